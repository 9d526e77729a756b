// Every GraphQL operation the plugin UI sends is valid against the committed schema
// (schema/schema.graphql) and within the server's depth and cost limits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildSchema, parse, validate } from 'graphql';
import { checkLimits } from '../../src/resolvers/limits.ts';
import {
  JOB_SUBSCRIPTION,
  PAGE_SIZES,
  SsgClient,
  normalizeServerUrl,
  webSocketUrl,
  type Job,
} from '../../plugins/figma/src/ui/api.ts';
import type { WebSocketLike } from '../../plugins/figma/src/ui/ws.ts';
import { PROJECT_ROOT } from './helpers.ts';

interface Sent {
  url: string;
  headers: Record<string, string>;
  query: string;
  variables: Record<string, unknown>;
}

/** A client whose fetch records the request and answers with a canned body (or one per request). */
function recordingClient(
  answer: unknown | ((op: Sent) => unknown) = { data: {} },
  status = 200,
  webSocket: ConstructorParameters<typeof SsgClient>[3] = { webSocket: null },
) {
  const sent: Sent[] = [];
  const fakeFetch = (async (url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { query: string; variables: Record<string, unknown> };
    const op = { url, headers: init.headers as Record<string, string>, ...body };
    sent.push(op);
    const reply = typeof answer === 'function' ? (answer as (op: Sent) => unknown)(op) : answer;
    return new Response(JSON.stringify(reply), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { client: new SsgClient('http://localhost:4000', 'tok', fakeFetch, webSocket), sent };
}

/** One page of a connection (newest first) with these node ids, as the server sends it. */
function connection(ids: string[], hasNextPage: boolean, extra: (id: string) => Record<string, unknown> = () => ({})) {
  return {
    edges: ids.map((id) => ({ cursor: `c-${id}`, node: { id, ...extra(id) } })),
    pageInfo: { hasNextPage, endCursor: ids.length ? `c-${ids[ids.length - 1]}` : null },
  };
}

type Listener = ((ev: any) => void) | null;

/**
 * A scripted browser-style WebSocket: records what the client sends; the test plays the server
 * with `serve`. Every instance lands in `FakeSocket.all`.
 */
class FakeSocket implements WebSocketLike {
  // graphql-ws's createClient accepts only a WebSocket class with these.
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  static script: (socket: FakeSocket, msg: any) => void = () => {};
  readyState = 0;
  onopen: Listener = null;
  onmessage: Listener = null;
  onerror: Listener = null;
  onclose: Listener = null;
  sent: any[] = [];
  constructor(
    readonly url: string,
    readonly protocol: string,
  ) {
    FakeSocket.all.push(this);
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.({});
    }, 1);
  }
  send(data: string) {
    const msg = JSON.parse(data);
    this.sent.push(msg);
    FakeSocket.script(this, msg);
  }
  serve(msg: unknown) {
    setTimeout(() => this.onmessage?.({ data: JSON.stringify(msg) }), 1);
  }
  close(code = 1000, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason }), 1);
  }
}

const job = (status: Job['status'], extra: Partial<Job> = {}): Job => ({
  id: 'j',
  status,
  error: null,
  attempts: 1,
  progress: null,
  render:
    status === 'SUCCEEDED' ? { id: 'r', width: 4, height: 4, imageUrl: '/r.png', segmentationUrl: '/s.png' } : null,
  ...extra,
});

async function allOperations(): Promise<Sent[]> {
  const { client, sent } = recordingClient();
  const calls: (() => Promise<unknown>)[] = [
    () => client.models(),
    () => client.projects(),
    () => client.createProject('p', 'm'),
    () => client.project('p'),
    () => client.projectFaces('p', 'cursor'),
    () => client.face('f'),
    () => client.faceEdits('f', 'cursor'),
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
    // The edit tools (More tools).
    () => client.resampleComponents({ faceId: 'f', components: ['hair'], part: 'SHAPE', seed: 3, expectedHeadId: 'e' }),
    () => client.interpolateComponents({ faceId: 'f', otherFaceId: 'g', components: ['hair'], part: 'BOTH', t: 0.3 }),
    () => client.setTruncation({ faceId: 'f', psi: 0.5, expectedHeadId: 'e' }),
    () => client.importFace({ projectId: 'p', name: 'n', latentBase64: 'AAAA' }),
    () => client.editLatent('e'),
    () => client.renderFace({ faceId: 'f', editId: 'e', components: ['background', 'hair'] }),
    () => client.renderDepths('j'),
    () => client.previewEdit({ truncation: { faceId: 'f', psi: 0.5 }, quality: 'PREVIEW' }),
  ];
  for (const call of calls) await call().catch(() => {});
  return sent;
}

describe('plugin GraphQL operations', () => {
  const sdl = readFileSync(path.join(PROJECT_ROOT, 'schema', 'schema.graphql'), 'utf8');
  const schema = buildSchema(sdl);

  it('are valid against schema/schema.graphql and within the limits', async () => {
    const sent = await allOperations();
    assert.equal(sent.length, 21);
    for (const op of sent) {
      const doc = parse(op.query);
      const errors = validate(schema, doc);
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        op.query,
      );
      const limits = checkLimits(schema, doc);
      assert.deepEqual(
        limits.map((e) => e.message),
        [],
        op.query,
      );
      assert.equal(op.url, 'http://localhost:4000/graphql');
      assert.equal(op.headers.authorization, 'Bearer tok');
    }
    // Pages use first ≤ 100 (the server's maximum; the limits count a `first` variable at that maximum).
    for (const op of sent.filter((o) => 'first' in o.variables)) {
      assert.ok((op.variables.first as number) <= 100 && (op.variables.first as number) > 0, op.query);
    }
    // The progress subscription too (sent over the WebSocket, checked by the same limits).
    const doc = parse(JOB_SUBSCRIPTION);
    assert.deepEqual(
      validate(schema, doc).map((e) => e.message),
      [],
    );
    assert.deepEqual(
      checkLimits(schema, doc).map((e) => e.message),
      [],
    );
  });

  it('pages through projects, faces and edits with the cursors', async () => {
    const { client, sent } = recordingClient((op: Sent) => {
      const after = op.variables.after as string | null | undefined;
      if (/PluginProjects/.test(op.query)) {
        return after
          ? { data: { projects: connection(['p3'], false, () => ({ name: 'n', model: { id: 'm', name: 'm' } })) } }
          : {
              data: { projects: connection(['p1', 'p2'], true, () => ({ name: 'n', model: { id: 'm', name: 'm' } })) },
            };
      }
      if (/PluginFaceEdits/.test(op.query)) {
        return { data: { face: { id: 'f', edits: connection(['e1'], false) } } };
      }
      if (/PluginFace\b/.test(op.query)) {
        return {
          data: {
            face: {
              id: 'f',
              name: 'F',
              project: { id: 'p' },
              head: { id: 'e3' },
              edits: connection(['e3', 'e2'], true),
            },
          },
        };
      }
      if (/PluginProjectFaces/.test(op.query)) {
        return { data: { project: { id: 'p', faces: connection(['f1'], false) } } };
      }
      return { data: {} };
    });
    const projects = await client.projects();
    assert.deepEqual(
      projects.map((p) => p.id),
      ['p1', 'p2', 'p3'],
    );
    assert.deepEqual(
      sent.map((o) => [o.variables.first, o.variables.after]),
      [
        [PAGE_SIZES.projects, null],
        [PAGE_SIZES.projects, 'c-p2'],
      ],
    );
    const face = await client.face('f');
    assert.deepEqual([face.edits.map((e) => e.id), face.hasMoreEdits, face.editsCursor], [['e3', 'e2'], true, 'c-e2']);
    const older = await client.faceEdits('f', face.editsCursor);
    assert.deepEqual([older.items.map((e) => e.id), older.hasNextPage], [['e1'], false]);
    assert.deepEqual(sent.at(-1)!.variables, { id: 'f', first: PAGE_SIZES.edits, after: 'c-e2' });
    const faces = await client.projectFaces('p', 'c-f0');
    assert.deepEqual(sent.at(-1)!.variables, { id: 'p', first: PAGE_SIZES.faces, after: 'c-f0' });
    assert.deepEqual(
      faces.items.map((f) => f.id),
      ['f1'],
    );
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

  it('follows a job over the graphql-ws subscription when the WebSocket connects', async () => {
    FakeSocket.all = [];
    FakeSocket.script = (socket, msg) => {
      if (msg.type === 'connection_init') socket.serve({ type: 'connection_ack' });
      if (msg.type === 'subscribe') {
        socket.serve({ type: 'ping' });
        for (const status of ['QUEUED', 'RUNNING', 'SUCCEEDED'] as const) {
          socket.serve({ id: msg.id, type: 'next', payload: { data: { jobUpdated: job(status) } } });
        }
        socket.serve({ id: msg.id, type: 'complete' });
      }
    };
    const { client, sent } = recordingClient({ data: {} }, 200, { webSocket: FakeSocket });
    const seen: string[] = [];
    const render = await client.waitForJob('j', (j, via) => seen.push(`${j.status}:${via}`));
    assert.equal(render.id, 'r');
    assert.deepEqual(seen, ['QUEUED:websocket', 'RUNNING:websocket', 'SUCCEEDED:websocket']);
    assert.equal(sent.length, 0, 'no polling');
    const [socket] = FakeSocket.all;
    assert.equal(socket.url, 'ws://localhost:4000/graphql');
    assert.equal(socket.protocol, 'graphql-transport-ws');
    assert.deepEqual(socket.sent[0], { type: 'connection_init', payload: { authorization: 'Bearer tok' } });
    assert.equal(socket.sent[1].type, 'subscribe');
    assert.equal(socket.sent[1].payload.query, JOB_SUBSCRIPTION);
    assert.deepEqual(socket.sent[1].payload.variables, { id: 'j' });
    assert.ok(
      socket.sent.some((m) => m.type === 'pong'),
      'answers ping with pong',
    );

    // A second job reuses the connection.
    await client.waitForJob('j');
    assert.equal(FakeSocket.all.length, 1);

    // A failed job over the subscription is the same error as when polled.
    FakeSocket.script = (s2, msg) => {
      if (msg.type === 'subscribe') {
        s2.serve({
          id: msg.id,
          type: 'next',
          payload: { data: { jobUpdated: job('FAILED', { error: 'out of memory' }) } },
        });
      }
    };
    await assert.rejects(
      client.waitForJob('j'),
      (err: { kind: string; message: string }) => err.kind === 'job' && /out of memory/.test(err.message),
    );
    // A refused subscription (another workspace's job) maps like an HTTP error.
    FakeSocket.script = (s3, msg) => {
      if (msg.type === 'subscribe') {
        s3.serve({
          id: msg.id,
          type: 'next',
          payload: { errors: [{ message: 'job not found', extensions: { code: 'NOT_FOUND' } }] },
        });
        s3.serve({ id: msg.id, type: 'complete' });
      }
    };
    await assert.rejects(client.waitForJob('j'), (err: { kind: string }) => err.kind === 'not-found');
    client.ws!.dispose();
  });

  it('falls back to polling when the WebSocket is refused, and when it drops mid-job', async () => {
    const polled = { data: { job: job('SUCCEEDED') } };
    // Refused before connection_ack (e.g. a proxy that blocks WebSockets).
    FakeSocket.all = [];
    FakeSocket.script = (socket, msg) => {
      if (msg.type === 'connection_init') socket.close(1006, '');
    };
    const refused = recordingClient(polled, 200, { webSocket: FakeSocket });
    const seen: string[] = [];
    await refused.client.waitForJob('j', (j, via) => seen.push(`${j.status}:${via}`), { intervalMs: 1 });
    assert.deepEqual(seen, ['SUCCEEDED:polling']);
    assert.equal(refused.sent.length, 1);
    // …and the next job polls straight away instead of trying again.
    assert.equal(refused.client.ws!.available, false);
    await refused.client.waitForJob('j', () => {}, { intervalMs: 1 });
    assert.equal(FakeSocket.all.length, 1, 'no second connection attempt');

    // Never acknowledged: gives up after the ack timeout.
    FakeSocket.all = [];
    FakeSocket.script = () => {};
    const silent = recordingClient(polled, 200, { webSocket: FakeSocket, ackTimeoutMs: 20 });
    await silent.client.waitForJob('j', () => {}, { intervalMs: 1 });
    assert.equal(silent.sent.length, 1);

    // Dropped after RUNNING: polling picks up from the job's current state.
    FakeSocket.all = [];
    FakeSocket.script = (socket, msg) => {
      if (msg.type === 'connection_init') socket.serve({ type: 'connection_ack' });
      if (msg.type === 'subscribe') {
        socket.serve({ id: msg.id, type: 'next', payload: { data: { jobUpdated: job('RUNNING') } } });
        setTimeout(() => socket.close(1006, ''), 10);
      }
    };
    const dropped = recordingClient(polled, 200, { webSocket: FakeSocket });
    const seen2: string[] = [];
    await dropped.client.waitForJob('j', (j, via) => seen2.push(`${j.status}:${via}`), { intervalMs: 1 });
    assert.deepEqual(seen2, ['RUNNING:websocket', 'SUCCEEDED:polling']);
  });

  it('normalizes server URLs', () => {
    assert.equal(webSocketUrl('https://ssg.example.com/base'), 'wss://ssg.example.com/base/graphql');
    assert.equal(webSocketUrl('http://localhost:4000'), 'ws://localhost:4000/graphql');
    assert.equal(normalizeServerUrl('localhost:4000'), 'http://localhost:4000');
    assert.equal(normalizeServerUrl(' https://ssg.example.com/graphql '), 'https://ssg.example.com');
    assert.equal(normalizeServerUrl('http://h:1/base/'), 'http://h:1/base');
  });
});
