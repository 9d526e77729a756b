// Runs one `ssg` command by its name in ./usage.ts: the one parser (./args.ts) checks the
// arguments against the command's entry, then the command (./commands/) gets the parsed values.
// Command modules load on demand, so that `ssg token list` never loads onnxruntime or torch.
import { parseCommandArgs, type Command } from './args.ts';
import { COMMANDS } from './usage.ts';

export const COMMAND_MODULES: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./commands/server.ts')).start,
  worker: async () => (await import('./commands/server.ts')).worker,
  migrate: async () => (await import('./commands/server.ts')).migrate,
  'emit-schema': async () => (await import('./commands/server.ts')).emitSchema,
  'token create': async () => (await import('./commands/token.ts')).tokenCreate,
  'token list': async () => (await import('./commands/token.ts')).tokenList,
  'token revoke': async () => (await import('./commands/token.ts')).tokenRevoke,
  'import-checkpoint': async () => (await import('./commands/models.ts')).importCheckpointCommand,
  'build-demo-model': async () => (await import('./commands/models.ts')).buildDemoModelCommand,
  render: async () => (await import('./commands/render.ts')).render,
  sample: async () => (await import('./commands/render.ts')).sample,
  bench: async () => (await import('./commands/render.ts')).bench,
  'learn-directions': async () => (await import('./commands/directions.ts')).learnDirectionsCommand,
  'import-direction': async () => (await import('./commands/directions.ts')).importDirectionCommand,
  'make-dataset': async () => (await import('./commands/dataset.ts')).makeDatasetCommand,
  'make-composites': async () => (await import('./commands/dataset.ts')).makeCompositesCommand,
  train: async () => (await import('./commands/train.ts')).train,
  finetune: async () => (await import('./commands/train.ts')).finetune,
  'export-model': async () => (await import('./commands/export-model.ts')).exportModel,
  'train-encoder': async () => (await import('./commands/encoder.ts')).trainEncoder,
  'export-encoder': async () => (await import('./commands/encoder.ts')).exportEncoder,
};

/** `ssg NAME ARGV...` without the process around it (help, exit codes): what tests call. */
export async function runCommand(name: string, argv: string[]): Promise<void> {
  const parsed = parseCommandArgs(name, COMMANDS[name], argv);
  const command = await COMMAND_MODULES[name]();
  await command(parsed);
}
