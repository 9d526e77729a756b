// Runs the project's PyTorch package (training/ssg_train) with Debian's python3-torch. The server
// and workers never need Python; only the training commands do.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pythonInterpreter } from '../config.ts';

export const TRAINING_DIR = fileURLToPath(new URL('../../training/', import.meta.url));

export class TrainingSetupError extends Error {
  override name = 'TrainingSetupError';
}

/** The interpreter with torch (SSG_PYTHON, else Debian's /usr/bin/python3: see src/config.ts). */
export const pythonPath = pythonInterpreter;

/** Refuses, in one line, when the interpreter or torch is missing. */
export function checkPython(python = pythonPath()): void {
  const r = spawnSync(python, ['-c', 'import torch, numpy, PIL; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new TrainingSetupError(
      `${python} cannot import torch, numpy and PIL: install Debian's python3-torch python3-numpy python3-pil ` +
        `(and libopenblas0-pthread for speed), or set SSG_PYTHON to an interpreter that has them`,
    );
}

/**
 * Runs `python -m ssg_train ARGS` with the terminal's output attached (progress lines pass
 * through). The child runs in its own process group so that a Ctrl-C (or a supervisor's SIGTERM
 * to this process) reaches it exactly once, forwarded from here: it then saves a checkpoint and
 * exits, and this process waits for it. The child also stops if this process disappears.
 */
export async function runTrainingModule(args: string[], opts: { quiet?: boolean } = {}): Promise<number> {
  const python = pythonPath();
  checkPython(python);
  const child = spawn(python, ['-m', 'ssg_train', ...args], {
    cwd: TRAINING_DIR,
    stdio: opts.quiet ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'inherit', 'inherit'],
    detached: true,
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
