#!/usr/bin/env node
// Generates the Prisma client into src/generated/prisma (run by `npm install` as postinstall).
// The Prisma CLI wants a native schema-engine binary, which it would download; generate never
// runs it, so any existing file satisfies the check offline.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const prismaBin = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
const r = spawnSync(process.execPath, [prismaBin, 'generate', '--schema', path.join(root, 'prisma', 'schema.prisma')], {
  env,
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
