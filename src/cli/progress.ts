// Progress for long commands, for a person at a terminal: a line when a step starts, a reminder
// every few seconds while it runs and its duration when it ends. On stderr, so that stdout stays
// the command's result; nothing when stderr is not a terminal (scripts read one error line there).
type Stream = NodeJS.WritableStream & { isTTY?: boolean };

export async function withProgress<T>(
  label: string,
  run: () => Promise<T>,
  { stream = process.stderr as Stream, everyMs = 5_000 } = {},
): Promise<T> {
  if (!stream.isTTY) return run();
  const t0 = performance.now();
  const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
  stream.write(`${label}...\n`);
  const timer = setInterval(() => stream.write(`${label}: ${seconds()} s so far\n`), everyMs);
  timer.unref();
  try {
    const result = await run();
    stream.write(`${label}: done in ${seconds()} s\n`);
    return result;
  } catch (err) {
    stream.write(`${label}: failed after ${seconds()} s\n`);
    throw err;
  } finally {
    clearInterval(timer);
  }
}
