// Starts a real ssg-studio (HTTP API, queue, worker, demo model) on a fresh database.
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { startApp, type RunningApp } from '../../src/main.ts';
import { createToken } from '../../src/domain/tokens.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { testDatabase } from './db.ts';
import { pino } from 'pino';

/** Shared across test files: the demo model is deterministic, so it is built once per checkout. */
export const TEST_MODELS_DIR = path.join(PROJECT_ROOT, '.ssg-test', 'models');

export interface TestApp extends RunningApp {
  /** A bearer token for a fresh workspace. */
  token: string;
  workspaceId: string;
  /** Makes a token for another workspace (isolation tests). */
  newToken(workspace: string): Promise<string>;
  /** POST /graphql with the default token (or `token`). */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<{ data?: T; errors?: any[] }>;
  close(): Promise<void>;
}

export async function startTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const db = await testDatabase();
  const config: Config = {
    ...loadConfig({}),
    databaseUrl: db.url,
    port: 0,
    host: '127.0.0.1',
    modelsDir: TEST_MODELS_DIR,
    // The tests render with the seeded demo model, not the shipped trained one.
    builtinModelsDir: undefined,
    demoModel: true,
    logLevel: process.env.LOG_LEVEL ?? 'warn',
    // No job rate: these drive hundreds of edits from one token (test/api/limits.test.ts tests the rate).
    limits: { ...loadConfig({}).limits, jobsPerMinute: 0 },
    ...overrides,
  };
  const app = await startApp(config, pino({ level: config.logLevel }));
  const first = await createToken(app.ctx.prisma, `ws_${db.name}`);
  const gql: TestApp['gql'] = async (query, variables, token = first.token) => {
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: any[] };
  };
  return {
    ...app,
    token: first.token,
    workspaceId: first.workspaceId,
    newToken: async (workspace) => (await createToken(app.ctx.prisma, `${workspace}_${db.name}`)).token,
    gql,
    async close() {
      await app.stop();
      await db.drop();
    },
  };
}
