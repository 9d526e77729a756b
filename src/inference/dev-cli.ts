// Dev entry: npx tsx src/inference/dev-cli.ts <import-checkpoint|build-demo-model|render|sample|bench> ...
import {
  benchCommand,
  buildDemoModelCommand,
  importCheckpointCommand,
  renderCommand,
  sampleCommand,
  UsageError,
} from './cli.ts';

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  'import-checkpoint': importCheckpointCommand,
  'build-demo-model': buildDemoModelCommand,
  render: renderCommand,
  sample: sampleCommand,
  bench: benchCommand,
};
const [cmd, ...rest] = process.argv.slice(2);
const fn = cmd ? commands[cmd] : undefined;
if (!fn) {
  console.error(`usage: dev-cli.ts <${Object.keys(commands).join('|')}> ...`);
  process.exit(2);
}
fn(rest).catch((e: unknown) => {
  console.error(e instanceof UsageError ? e.message : `error: ${(e as Error).message}`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
