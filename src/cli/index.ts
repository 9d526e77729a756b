// The `ssg` command line. Names and options are fixed because scripts outside the project call
// them; ./usage.ts lists them, ./run.ts parses a command's arguments and runs it (./commands/).
// This entry answers `--help` before anything runs, so that `ssg start --help` never starts
// anything, and turns errors into one line and an exit code.
import 'reflect-metadata';
import { ConfigError } from '../config.ts';
import { UsageError, wantsHelp } from './args.ts';
import { runCommand } from './run.ts';
import { COMMANDS, GROUPS, commandHelp, groupHelp, overview } from './usage.ts';

// Errors that describe the user's input or files (their messages name the problem); matched by
// name so this module does not load onnxruntime just to recognise them.
const USER_ERRORS = new Set([
  'TrainingSetupError',
  'DatasetError',
  'ModelLoadError',
  'CheckpointError',
  'NpyError',
  'LatentError',
  'TokenError',
  'DirectionError',
]);

/** Splits `token create --x` into the command's table name and its arguments. */
function resolve(argv: string[]): { name: string; rest: string[] } | { help: string } {
  const [first, ...rest] = argv;
  const group = GROUPS[first];
  if (group) {
    const [sub, ...subRest] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      if (sub === undefined) throw new UsageError(`${first}: missing sub-command (${group.join(', ')})`);
      return { help: groupHelp(first) };
    }
    const name = `${first} ${sub}`;
    if (!COMMANDS[name]) throw new UsageError(`unknown command "${name}" (ssg ${first} --help lists them)`);
    return { name, rest: subRest };
  }
  if (!COMMANDS[first]) throw new UsageError(`unknown command "${first}" (ssg --help lists the commands)`);
  return { name: first, rest };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(overview());
    return;
  }
  if (argv[0] === 'help') {
    if (argv.length === 1) return void process.stdout.write(overview());
    const target = resolve(argv.slice(1));
    process.stdout.write('help' in target ? target.help : commandHelp(target.name));
    return;
  }
  const target = resolve(argv);
  if ('help' in target) return void process.stdout.write(target.help);
  if (wantsHelp(target.rest)) return void process.stdout.write(commandHelp(target.name));
  await runCommand(target.name, target.rest);
}

main().catch((err: Error) => {
  // The user's mistakes get one line and no stack: 2 for how the command was called, 1 for the rest.
  if (err instanceof UsageError) {
    console.error(`ssg: ${err.message.split('\n')[0]}`);
    process.exit(2);
  }
  if (err instanceof ConfigError || USER_ERRORS.has(err.name)) console.error(`ssg: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
