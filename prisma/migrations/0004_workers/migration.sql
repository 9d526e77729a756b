-- InferenceJob.error is what tenants read, errorDetail (worker, host, pid, stack) is for operators only
ALTER TABLE "InferenceJob" ADD COLUMN     "errorDetail" TEXT;

-- Renders per workspace over shared images. The old Render table becomes RenderImage (the bytes,
-- stored once per cache key), and each workspace that uses an image gets its own Render row, so no
-- workspace sees another's render id, time or existence. The earliest workspace keeps the old id.
ALTER TABLE "Edit" DROP CONSTRAINT "Edit_renderId_fkey";
ALTER TABLE "InferenceJob" DROP CONSTRAINT "InferenceJob_renderId_fkey";
ALTER TABLE "Render" RENAME TO "RenderImage";
ALTER TABLE "RenderImage" RENAME CONSTRAINT "Render_pkey" TO "RenderImage_pkey";
ALTER TABLE "RenderImage" RENAME CONSTRAINT "Render_modelId_fkey" TO "RenderImage_modelId_fkey";
ALTER INDEX "Render_cacheKey_key" RENAME TO "RenderImage_cacheKey_key";
ALTER TABLE "RenderDepth" RENAME COLUMN "renderId" TO "imageId";
ALTER TABLE "RenderDepth" RENAME CONSTRAINT "RenderDepth_renderId_fkey" TO "RenderDepth_imageId_fkey";

CREATE TABLE "Render" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "imageId" UUID NOT NULL,
    "cacheKey" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "coarseSize" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Render_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Render_workspaceId_cacheKey_key" ON "Render"("workspaceId", "cacheKey");
CREATE INDEX "Render_imageId_idx" ON "Render"("imageId");

-- Existing data: one Render per (workspace, image) in use, by edits or jobs.
CREATE TEMPORARY TABLE "RenderUse" AS
  SELECT p."workspaceId", u."imageId", min(u.at) AS at
  FROM (SELECT "faceId", "renderId" AS "imageId", "createdAt" AS at FROM "Edit" WHERE "renderId" IS NOT NULL
        UNION ALL
        SELECT "faceId", "renderId", coalesce("finishedAt", "createdAt") FROM "InferenceJob" WHERE "renderId" IS NOT NULL) u
  JOIN "Face" f ON f.id = u."faceId" JOIN "Project" p ON p.id = f."projectId"
  GROUP BY p."workspaceId", u."imageId";
INSERT INTO "Render" ("id", "workspaceId", "imageId", "cacheKey", "modelId", "options", "width", "height", "coarseSize", "createdAt")
  SELECT CASE WHEN row_number() OVER (PARTITION BY u."imageId" ORDER BY u.at, u."workspaceId") = 1 THEN i.id ELSE gen_random_uuid() END,
         u."workspaceId", i.id, i."cacheKey", i."modelId", i.options, i.width, i.height, i."coarseSize",
         CASE WHEN row_number() OVER (PARTITION BY u."imageId" ORDER BY u.at, u."workspaceId") = 1 THEN i."createdAt" ELSE u.at END
  FROM "RenderUse" u JOIN "RenderImage" i ON i.id = u."imageId";
UPDATE "Edit" e SET "renderId" = r.id
  FROM "Face" f, "Project" p, "Render" r
  WHERE e."renderId" IS NOT NULL AND f.id = e."faceId" AND p.id = f."projectId"
    AND r."workspaceId" = p."workspaceId" AND r."imageId" = e."renderId";
UPDATE "InferenceJob" j SET "renderId" = r.id
  FROM "Face" f, "Project" p, "Render" r
  WHERE j."renderId" IS NOT NULL AND f.id = j."faceId" AND p.id = f."projectId"
    AND r."workspaceId" = p."workspaceId" AND r."imageId" = j."renderId";
DROP TABLE "RenderUse";

ALTER TABLE "Render" ADD CONSTRAINT "Render_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Render" ADD CONSTRAINT "Render_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "RenderImage"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Render" ADD CONSTRAINT "Render_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "GenerativeModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Edit" ADD CONSTRAINT "Edit_renderId_fkey" FOREIGN KEY ("renderId") REFERENCES "Render"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "InferenceJob" ADD CONSTRAINT "InferenceJob_renderId_fkey" FOREIGN KEY ("renderId") REFERENCES "Render"("id") ON DELETE SET NULL ON UPDATE CASCADE;
