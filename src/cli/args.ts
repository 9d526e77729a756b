// Checks a command's arguments against its entry in ./usage.ts. Every mistake is a UsageError with
// one line saying what is wrong (the dispatcher prints it and exits 2).
import { parseArgs } from 'node:util';
import type { CommandSpec } from './usage.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** True when the arguments ask for help (`-h`/`--help` anywhere before a `--`). */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

export function parseCommandArgs(command: string, spec: CommandSpec, argv: string[]): ParsedArgs {
  const fail = (what: string) => new UsageError(`${command}: ${what} (see ssg ${command} --help)`);
  const options = Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type }]));
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as ParsedArgs;
  } catch (err) {
    throw fail(describeParseError(err as Error & { code?: string }));
  }
  const allowed = spec.positionals?.length ?? 0;
  if (parsed.positionals.length > allowed) throw fail(`unexpected argument "${parsed.positionals[allowed]}"`);
  const needed = spec.requiredPositionals ?? 0;
  if (parsed.positionals.length < needed) throw fail(`missing ${spec.positionals![parsed.positionals.length]}`);
  for (const [flag, o] of Object.entries(spec.options)) {
    if (o.required && (parsed.values[flag] === undefined || parsed.values[flag] === ''))
      throw fail(`missing --${flag} ${o.value ?? ''}`.trimEnd());
  }
  return parsed;
}

// node:util's messages run to several sentences; these say the same in a few words.
function describeParseError(err: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? '';
  const flag = quoted.split(' ')[0];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(err.message) ? `${flag} needs a value` : `${flag} takes no value`;
    default:
      return err.message.split('\n')[0];
  }
}
