# One image for both roles; the command picks it:
#   docker run … ssg-studio            -> `ssg start` (API, plus a worker unless SSG_WORKER=0)
#   docker run … ssg-studio worker     -> `ssg worker` (renders only)
# GPU workers: --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 runs onnxruntime-node's install script
# (package.json's allowScripts keeps npm from running it) to fetch the CUDA provider; BASE must then carry Node 20 and the CUDA 12 / cuDNN 9 runtime (docs/deployment.md).
ARG BASE=node:20-bookworm-slim

FROM node:20-bookworm-slim AS build
WORKDIR /app
ARG ONNXRUNTIME_NODE_INSTALL=skip
# Dependencies first (cached while only the sources change); postinstall generates the Prisma client.
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.mjs scripts/
COPY prisma prisma
RUN npm ci --no-audit --no-fund \
  && if [ "$ONNXRUNTIME_NODE_INSTALL" != skip ]; then \
       ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL node node_modules/onnxruntime-node/script/install.js; fi
COPY . .
# The server runs its TypeScript through tsx (a dependency): no build step; dev tools go.
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 SSG_DATA_DIR=/data SSG_MODELS_DIR=/models
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data /models && chown node:node /data /models
# Not root: the embedded PostgreSQL (used when DATABASE_URL is unset) refuses to run as root.
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/ssg.js"]
CMD ["start"]
