#!/usr/bin/env node
// `npx ssg ...`: runs the TypeScript sources through tsx (no build step for the server).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// tsx reads tsconfig.json from the working directory; ssg runs from anywhere (`npm start` in a
// project folder, a worker host), and the decorators need the project's own compiler settings.
process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register();
await import('../src/cli/index.ts');
