// HTTP transport limits and the answers a hostile or careless client gets: slow bodies are cut,
// bad paths and inputs are 4xx (never 500), /metrics is closed by default, /readyz and URLs in
// responses reveal nothing the caller should not see or control.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { metricsAccess } from '../../src/http/metrics-access.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, snapshot, waitForJob } from './util.ts';

const BODY_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 3_000;
const METRICS_TOKEN = 'metrics-secret-1';

let app: TestApp;
let renderId: string;
let editId: string;
let faceId: string;

before(async () => {
  app = await startTestApp({
    bodyTimeoutMs: BODY_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    metricsToken: METRICS_TOKEN,
    // Requests from 127.0.0.2 come "through the proxy"; the tests' own 127.0.0.1 is anyone.
    trustedProxies: ['127.0.0.2'],
  });
  const projectId = await createProject(app.gql, 'transport');
  const face = await createFace(app.gql, projectId, 3, 'f');
  faceId = face.faceId;
  editId = face.editId;
  renderId = (await waitForJob(app.gql, face.jobId)).render.id;
});
after(async () => {
  await app?.close();
});

const port = () => Number(new URL(app.url).port);

/** A raw request (any Host header, any source address) and its answer. */
function request(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: port(),
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        localAddress: opts.localAddress,
        // An invalid Host must reach the server as it is.
        setHost: !opts.headers?.host,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Opens a socket, writes `head`, then one byte of `drip` a second; resolves with what the server
 * answered and when it closed the connection.
 */
function slowClient(head: string, drip: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port(), '127.0.0.1');
    let answer = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < drip.length && !socket.destroyed) socket.write(drip[i++]!);
    }, 1_000);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(head));
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => {}); // a reset after the answer is still a cut connection
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a 1 byte/s request open for 60 s; got ${JSON.stringify(answer)}`));
    }, 60_000).unref();
  });
}

describe('slow clients', () => {
  test('an authenticated body sent at 1 byte/s is answered 408 and cut after the body timeout', async () => {
    const body = JSON.stringify({ query: '{ models { id } }' });
    const head =
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${app.token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const r = await slowClient(head, body);
    assert.match(r.answer, /^HTTP\/1\.1 408/, r.answer);
    assert.match(r.answer, /REQUEST_TIMEOUT/);
    assert.ok(r.closedAfterMs < BODY_TIMEOUT_MS + 4_000, `open for ${r.closedAfterMs} ms`);
  });

  test('headers sent at 1 byte/s are cut after the request timeout', async () => {
    const r = await slowClient('GET /healthz HTTP/1.1\r\n', 'Host: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(100));
    assert.match(r.answer, /^HTTP\/1\.1 408/, r.answer);
    assert.ok(r.closedAfterMs < REQUEST_TIMEOUT_MS + 4_000, `open for ${r.closedAfterMs} ms`);
  });
});

describe('bad input is a 4xx, never a 500', () => {
  const auth = () => ({ authorization: `Bearer ${app.token}` });

  test('a NUL in a project or face name is BAD_USER_INPUT and writes nothing', async () => {
    const before = await snapshot(app);
    const p = await app.gql(`mutation { createProject(input: {name: "a\\u0000b"}) { id } }`);
    assert.equal(p.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(p));
    const project = (await app.gql(`{ projects(first: 1) { edges { node { id } } } }`)).data.projects.edges[0].node.id;
    const f = await app.gql(
      `mutation($p: ID!, $n: String!) { createFace(input: {projectId: $p, name: $n, seed: 1}) { face { id } } }`,
      {
        p: project,
        n: 'x\u0000',
      },
    );
    assert.equal(f.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(f));
    assert.deepEqual(await snapshot(app), before);
  });

  test('an edits cursor past the int4 range is BAD_USER_INPUT', async () => {
    for (const seq of ['2147483648', '99999999999999999999']) {
      const after = Buffer.from(`seq:${seq}`).toString('base64url');
      const r = await app.gql(
        `query($f: ID!, $a: String) { face(id: $f) { edits(first: 2, after: $a) { totalCount } } }`,
        {
          f: faceId,
          a: after,
        },
      );
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${seq}: ${JSON.stringify(r)}`);
    }
  });

  test('a depth map index past the int4 range or the model is 404', async () => {
    for (const name of ['2147483648', '99', '4294967296000']) {
      const r = await request(`/renders/${renderId}/depth/${name}.png`, { headers: auth() });
      assert.equal(r.status, 404, `${name}: ${r.text}`);
      assert.match(r.text, /NOT_FOUND/);
    }
    const ok = await request(`/renders/${renderId}/depth/0.png`, { headers: auth() });
    assert.equal(ok.status, 200);
  });

  test('malformed percent-encoding in a path is 400', async () => {
    for (const path of [
      `/renders/%E0%A4%A/image.png`,
      `/renders/${renderId}/depth/%ZZhair.png`,
      `/renders/${renderId}/depth/%C0.png`,
      `/edits/%/latent.npy`,
    ]) {
      const r = await request(path, { headers: auth() });
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.match(r.text, /BAD_USER_INPUT/);
    }
    assert.equal((await request(`/edits/${editId}/latent.npy`, { headers: auth() })).status, 200);
  });

  test('a subscription sent over HTTP POST is 400 BAD_USER_INPUT', async () => {
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: JSON.stringify({ query: `subscription($f: ID!) { faceUpdated(id: $f) { id } }`, variables: { f: faceId } }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.errors[0]!.extensions.code, 'BAD_USER_INPUT');
    assert.match(body.errors[0]!.message, /WebSocket/);
  });
});

describe('/metrics', () => {
  test('closed by default: with neither SSG_METRICS_PORT nor SSG_METRICS_TOKEN nobody gets them', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.metricsPort, undefined);
    assert.equal(defaults.metricsToken, undefined);
    const refusal = metricsAccess(defaults, { headers: { authorization: 'Bearer anything' } } as http.IncomingMessage);
    assert.equal(refusal?.status, 404);
  });

  test('with SSG_METRICS_TOKEN only that bearer reads them', async () => {
    assert.equal((await request('/metrics')).status, 401);
    assert.equal((await request('/metrics', { headers: { authorization: `Bearer ${app.token}` } })).status, 401);
    const r = await request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(r.status, 200);
    assert.match(r.text, /ssg_queue_depth/);
  });

  test('with SSG_METRICS_PORT they are on that port and not on the API port', async () => {
    const other = await startTestApp({ runWorker: false, metricsPort: 0 });
    try {
      assert.ok(other.metricsUrl, 'the metrics port is listening');
      assert.equal((await fetch(`${other.url}/metrics`)).status, 404);
      const r = await fetch(`${other.metricsUrl}/metrics`);
      assert.equal(r.status, 200);
      assert.match(await r.text(), /ssg_workers_alive/);
      assert.equal((await fetch(`${other.metricsUrl}/graphql`)).status, 404);
    } finally {
      await other.close();
    }
  });
});

test('/readyz does not show the database error text (it is logged)', async () => {
  const other = await startTestApp({ runWorker: false });
  try {
    await other.ctx.prisma.$executeRawUnsafe(`ALTER TABLE "QueueWorker" RENAME TO "QueueWorkerGone"`);
    const res = await fetch(`${other.url}/readyz`);
    const text = await res.text();
    assert.equal(res.status, 503);
    assert.match(text, /unreachable/);
    assert.doesNotMatch(text, /QueueWorker|relation|does not exist|SQL|prisma/i);
  } finally {
    await other.ctx.prisma.$executeRawUnsafe(`ALTER TABLE "QueueWorkerGone" RENAME TO "QueueWorker"`).catch(() => {});
    await other.close();
  }
});

test('SSG_TRUSTED_PROXIES takes IPs and CIDRs and refuses anything else', () => {
  assert.deepEqual(loadConfig({ SSG_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8' }).trustedProxies, [
    '10.0.0.0/8',
    '127.0.0.1',
    '::1',
    'fd00::/8',
  ]);
  assert.deepEqual(loadConfig({}).trustedProxies, []);
  for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.1/8/1', '*']) {
    assert.throws(() => loadConfig({ SSG_TRUSTED_PROXIES: bad }), ConfigError, bad);
  }
});

describe('URLs in responses', () => {
  const IMAGE = `query($e: ID!) { edit(id: $e) { render { imageUrl } } }`;
  const imageUrl = async (headers: Record<string, string>, localAddress?: string) => {
    const r = await request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}`, ...headers },
      body: JSON.stringify({ query: IMAGE, variables: { e: editId } }),
      localAddress,
    });
    assert.equal(r.status, 200, r.text);
    // The URL's origin and path (its query is the signature, see signed-urls.ts).
    return (JSON.parse(r.text).data.edit.render.imageUrl as string).split('?')[0];
  };

  test('X-Forwarded-Host/-Proto from anyone but a trusted proxy are ignored', async () => {
    const url = await imageUrl({ 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript' });
    assert.equal(url, `http://127.0.0.1:${port()}/renders/${renderId}/image.png`);
  });

  test('a Host header that is not a host name never becomes the URL', async () => {
    for (const host of ['javascript://evil.example', 'evil.example/x', 'a b', 'evil.example:1:2']) {
      const url = await imageUrl({ host });
      assert.equal(url, `http://127.0.0.1:${port()}/renders/${renderId}/image.png`, host);
    }
    assert.equal(
      await imageUrl({ host: 'studio.example:8443' }),
      `http://studio.example:8443/renders/${renderId}/image.png`,
    );
  });

  test('a trusted proxy sets host and protocol, but only to a host name and http(s)', async () => {
    const via = '127.0.0.2';
    assert.equal(
      await imageUrl({ 'x-forwarded-host': 'studio.example', 'x-forwarded-proto': 'https' }, via),
      `https://studio.example/renders/${renderId}/image.png`,
    );
    const url = await imageUrl(
      { 'x-forwarded-host': 'javascript://evil.example/', 'x-forwarded-proto': 'javascript' },
      via,
    );
    assert.equal(url, `http://127.0.0.1:${port()}/renders/${renderId}/image.png`);
  });
});
