// Every GraphQL operation the plugin UI sends is valid against the committed schema
// (schema/schema.graphql) and within the server's depth and cost limits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildSchema, parse, validate } from 'graphql';
import { checkLimits } from '../../src/resolvers/limits.ts';
import { SsgClient, normalizeServerUrl } from '../../plugins/figma/src/ui/api.ts';
import { PROJECT_ROOT } from './helpers.ts';

interface Sent {
  url: string;
  headers: Record<string, string>;
  query: string;
  variables: Record<string, unknown>;
}

/** A client whose fetch records the request and answers with a canned body. */
function recordingClient(answer: unknown = { data: {} }, status = 200) {
  const sent: Sent[] = [];
  const fakeFetch = (async (url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { query: string; variables: Record<string, unknown> };
    sent.push({ url, headers: init.headers as Record<string, string>, ...body });
    return new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { client: new SsgClient('http://localhost:4000', 'tok', fakeFetch), sent };
}

async function allOperations(): Promise<Sent[]> {
  const { client, sent } = recordingClient();
  const calls: (() => Promise<unknown>)[] = [
    () => client.models(),
    () => client.projects(),
    () => client.createProject('p', 'm'),
    () => client.project('p'),
    () => client.face('f'),
    () => client.createFace({ projectId: 'p', name: 'n', seed: 1, truncation: 0.7 }),
    () =>
      client.swapComponents({
        targetFaceId: 'a',
        sourceFaceId: 'b',
        components: ['hair'],
        part: 'BOTH',
        expectedHeadId: 'e',
      }),
    () => client.undo('f', 'e'),
    () => client.redo('f', 'e'),
    () => client.revertTo('e', 'f', 'e2'),
    () => client.job('j'),
  ];
  for (const call of calls) await call().catch(() => {});
  return sent;
}

describe('plugin GraphQL operations', () => {
  const sdl = readFileSync(path.join(PROJECT_ROOT, 'schema', 'schema.graphql'), 'utf8');
  const schema = buildSchema(sdl);

  it('are valid against schema/schema.graphql and within the limits', async () => {
    const sent = await allOperations();
    assert.equal(sent.length, 11);
    for (const op of sent) {
      const doc = parse(op.query);
      const errors = validate(schema, doc);
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        op.query,
      );
      const limits = checkLimits(schema, doc, op.variables);
      assert.deepEqual(
        limits.map((e) => e.message),
        [],
        op.query,
      );
      assert.equal(op.url, 'http://localhost:4000/graphql');
      assert.equal(op.headers.authorization, 'Bearer tok');
    }
  });

  it('turns server answers into errors a designer can act on', async () => {
    const cases: [unknown, number, string][] = [
      [{ errors: [{ message: 'bad token', extensions: { code: 'UNAUTHENTICATED' } }] }, 401, 'auth'],
      [{ errors: [{ message: 'head moved', extensions: { code: 'CONFLICT' } }] }, 200, 'conflict'],
      [{ errors: [{ message: 'no such face', extensions: { code: 'NOT_FOUND' } }] }, 200, 'not-found'],
      [{ errors: [{ message: 'bad component', extensions: { code: 'BAD_USER_INPUT' } }] }, 200, 'input'],
      ['not json', 502, 'server'],
    ];
    for (const [answer, status, kind] of cases) {
      const { client } = recordingClient(answer, status);
      await assert.rejects(client.models(), (err: { kind: string }) => err.kind === kind);
    }
    const down = new SsgClient('http://127.0.0.1:9', 't', (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    await assert.rejects(
      down.models(),
      (err: { kind: string; message: string }) => err.kind === 'network' && /reach/.test(err.message),
    );

    const failed = recordingClient({
      data: { job: { id: 'j', status: 'FAILED', error: 'out of memory', attempts: 3, render: null } },
    });
    await assert.rejects(
      failed.client.waitForJob('j', () => {}, { intervalMs: 1 }),
      (err: { kind: string; message: string }) => {
        return err.kind === 'job' && /out of memory/.test(err.message);
      },
    );
  });

  it('normalizes server URLs', () => {
    assert.equal(normalizeServerUrl('localhost:4000'), 'http://localhost:4000');
    assert.equal(normalizeServerUrl(' https://ssg.example.com/graphql '), 'https://ssg.example.com');
    assert.equal(normalizeServerUrl('http://h:1/base/'), 'http://h:1/base');
  });
});
