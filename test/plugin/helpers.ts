// Shared by the plugin tests: builds the plugin once per test file (the real `npm run build`)
// and makes small PNGs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { PNG } from 'pngjs';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const PLUGIN_DIR = path.join(PROJECT_ROOT, 'plugins', 'figma');

export interface Manifest {
  name: string;
  id: string;
  api: string;
  main: string;
  ui: string;
  editorType: string[];
  documentAccess?: string;
  networkAccess?: { allowedDomains: string[]; devAllowedDomains?: string[]; reasoning?: string };
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(path.join(PLUGIN_DIR, 'manifest.json'), 'utf8')) as Manifest;
}

let built = false;
/** Runs `node scripts/build.mjs` (what `npm run build` runs) and returns the built files' paths. */
export function buildPlugin(): { codeFile: string; uiFile: string } {
  if (!built) {
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.mjs')], {
      cwd: PROJECT_ROOT,
      stdio: 'pipe',
    });
    built = true;
  }
  const m = readManifest();
  return { codeFile: path.join(PLUGIN_DIR, m.main), uiFile: path.join(PLUGIN_DIR, m.ui) };
}

/** A PNG of the given size filled with one colour. */
export function makePng(width: number, height: number, rgb: [number, number, number] = [200, 120, 90]): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = rgb[0];
    png.data[i * 4 + 1] = rgb[1];
    png.data[i * 4 + 2] = rgb[2];
    png.data[i * 4 + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * A proxy in front of `target` that forwards HTTP but refuses WebSocket upgrades, like a network
 * that blocks WebSockets. (Playwright's routeWebSocket mocks WebSocket by script injection, which
 * does not reliably reach the plugin's sandboxed srcdoc iframe, so the real socket got through.)
 */
export async function webSocketRefusingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('upgrade', (_req, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Harness {
  /** e.g. http://127.0.0.1:PORT; the page is `${url}/harness.html?theme=light|dark`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves what the browser tests load: test/plugin/harness.html, which runs the built dist/code.js
 * on the fake figma (fake-figma.ts) and the built UI in a sandboxed iframe, with Figma's theme.
 */
export async function startHarness(): Promise<Harness> {
  const { codeFile, uiFile } = buildPlugin();
  const fake = await esbuild.build({
    entryPoints: [path.join(PROJECT_ROOT, 'test', 'plugin', 'fake-figma.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'FakeFigmaLib',
    platform: 'browser',
    target: 'es2022',
  });
  const read = (f: string) => readFile(f, 'utf8');
  const files: Record<string, [string, string]> = {
    '/harness.html': ['text/html', await read(path.join(PROJECT_ROOT, 'test', 'plugin', 'harness.html'))],
    '/figma-theme.css': ['text/css', await read(path.join(PROJECT_ROOT, 'test', 'plugin', 'figma-theme.css'))],
    '/code.js': ['text/javascript', await read(codeFile)],
    '/ui.html': ['text/html', await read(uiFile)],
    '/fake-figma.js': ['text/javascript', fake.outputFiles[0]!.text],
  };
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
