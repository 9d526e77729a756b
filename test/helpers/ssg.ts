// Runs the real `ssg` command (node bin/ssg.js) as a script outside the project would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.ts';

export const SSG = path.join(PROJECT_ROOT, 'bin', 'ssg.js');

export interface SsgResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ssg ARGS` to its end (killed after `timeoutMs`, when given). */
export function ssg(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<SsgResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SSG, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `ssg ARGS` to its end, blocking (the training tests: one command after another, one thread). */
export function ssgSync(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): SsgResult {
  const r = spawnSync(process.execPath, [SSG, ...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts a long-running `ssg` command and resolves once its output matches `ready`. The child's
 * environment is this process's, less `unset`, plus `env`; `exited` settles with its exit code.
 */
export function ssgUntil(
  args: string[],
  ready: RegExp,
  opts: { cwd?: string; env?: Record<string, string>; unset?: string[]; timeoutMs?: number } = {},
): Promise<{
  child: ChildProcess;
  match: RegExpExecArray;
  exited: Promise<number | null>;
  output: () => string;
}> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const name of opts.unset ?? []) delete env[name];
  const child = spawn(process.execPath, [SSG, ...args], { cwd: opts.cwd, env });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ssg ${args.join(' ')}: no ${ready} after ${opts.timeoutMs ?? 120_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 120_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, exited, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ssg ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}

/** The URL `ssg start` prints once it serves, as its first group. */
export const READY_LINE = /ssg-studio is ready: (http:\/\/\S+)\/graphql/;

/** SIGTERM, and the exit code. */
export function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
