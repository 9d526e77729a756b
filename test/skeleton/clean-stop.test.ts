// Stops of `ssg start` on its embedded PostgreSQL as a user makes them: Ctrl-C in a terminal (SIGINT
// to the whole foreground process group), a supervisor's SIGTERM to `npm start`'s pid, and Ctrl-C
// on `npm start`. Each drains, exits 0 with its final line, logs no error or warning while
// stopping, and leaves no server or PostgreSQL process behind. And a `kill -9` of the whole group:
// PostgreSQL (in its own group) outlives it, and the next start takes it over and stops it. One data
// directory serves them all (PostgreSQL initialises it once).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { READY_LINE } from '../helpers/ssg.ts';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ssg-stop-'));
await chmod(dataDir, 0o755); // as root, PostgreSQL runs as the `postgres` user, which must reach it
const started: ChildProcess[] = [];

after(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid!, 'SIGKILL');
  // A PostgreSQL a failed test left running (it is in its own process group).
  const pid = Number(
    (await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0],
  );
  if (pid > 0 && alive(pid)) process.kill(pid, 'SIGINT');
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts `cmd args` in its own process group (as a terminal's foreground job), up to its ready line. */
async function launch(cmd: string, args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SSG_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SSG_MODELS_DIR: TEST_MODELS_DIR,
    SSG_BUILTIN_MODELS_DIR: 'none',
    SSG_DEMO_MODEL: '1',
    npm_config_update_notifier: 'false',
  };
  delete env.DATABASE_URL; // the embedded PostgreSQL
  delete env.NODE_ENV;
  const child = spawn(cmd, args, { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 180 s:\n${out}`)), 180_000);
    child.stdout!.on('data', () => {
      const m = READY_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  // Work in flight makes the connections a stop must close in order.
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  const serverPid = Number(/"pid":(\d+)/.exec(out)![1]);
  const postgresPid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  return { child, exited, serverPid, postgresPid, output: () => out };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function assertCleanStop(run: Awaited<ReturnType<typeof launch>>): Promise<void> {
  const code = await run.exited;
  const out = run.output();
  assert.equal(code, 0, out);
  const stopping = out.slice(out.indexOf('stopping: HTTP server draining'));
  assert.ok(stopping.length < out.length, `no stop began:\n${out}`);
  assert.match(stopping, /stopped: models, events and database closed/);
  // No warning or error while stopping: pino's levels 40 (warn) and up, or a stack's text.
  const bad = stopping
    .split('\n')
    .filter((l) => /"level":(4|5|6)0|ECONNREFUSED|terminating connection|could not deregister|Error:/.test(l));
  assert.deepEqual(bad, [], out);
  for (const [what, pid] of [
    ['the server', run.serverPid],
    ['PostgreSQL', run.postgresPid],
  ] as const) {
    assert.equal(alive(pid), false, `${what} (pid ${pid}) is still running`);
  }
}

test(
  'Ctrl-C in a terminal (SIGINT to the process group): PostgreSQL stops last, after the drain',
  { timeout: 300_000 },
  async () => {
    const run = await launch(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ssg.js'), 'start']);
    process.kill(-run.child.pid!, 'SIGINT');
    await assertCleanStop(run);
  },
);

test("SIGTERM to npm start's pid (a supervisor's stop) reaches the server", { timeout: 300_000 }, async () => {
  const run = await launch('npm', ['start']);
  assert.notEqual(run.serverPid, run.child.pid);
  process.kill(run.child.pid!, 'SIGTERM');
  await assertCleanStop(run);
});

test(
  "Ctrl-C on npm start: the signal from the terminal and npm's forward of it are one stop",
  { timeout: 300_000 },
  async () => {
    const run = await launch('npm', ['start']);
    process.kill(-run.child.pid!, 'SIGINT');
    await assertCleanStop(run);
  },
);

test(
  'after a kill -9 of ssg start, the PostgreSQL it left running is taken over by the next start and stopped with it',
  { timeout: 300_000 },
  async () => {
    const killed = await launch(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ssg.js'), 'start']);
    process.kill(-killed.child.pid!, 'SIGKILL');
    await killed.exited;
    assert.equal(alive(killed.postgresPid), true, 'PostgreSQL did not outlive the kill (nothing to take over)');
    const run = await launch(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ssg.js'), 'start']);
    assert.equal(run.postgresPid, killed.postgresPid, 'the leftover server is used, not a second one');
    assert.match(run.output(), /left running by a killed ssg/);
    process.kill(-run.child.pid!, 'SIGINT');
    await assertCleanStop(run);
  },
);
