// The one parser of `ssg` arguments: checks them against the command's entry in ./usage.ts and
// hands the command (./commands/) the parsed values. Every mistake in how a command was called is
// a UsageError with one line saying what is wrong (the dispatcher prints it and exits 2); feature
// modules throw their own errors, and the commands translate the few that are usage mistakes.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandSpec } from './usage.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Values = Record<string, string | boolean | undefined>;

export interface ParsedArgs {
  values: Values;
  positionals: string[];
}

/** A command: its arguments, already checked against its table entry. */
export type Command = (args: ParsedArgs) => Promise<void>;

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

/** A string option's value (undefined when absent); the table has already checked its type. */
export function stringOption(values: Values, flag: string): string | undefined {
  const v = values[flag];
  return typeof v === 'string' ? v : undefined;
}

/** A comma-separated list option, empty items dropped. */
export function listOption(values: Values, flag: string): string[] {
  return (stringOption(values, flag) ?? '').split(',').filter(Boolean);
}

/** Refuses a path option (or each item of a list option) that does not exist. */
export function requireExisting(values: Values, flags: string[], list: string[] = []): void {
  for (const flag of flags) {
    const v = stringOption(values, flag);
    if (v && !fs.existsSync(v)) throw new UsageError(`--${flag} ${v} does not exist`);
  }
  for (const flag of list)
    for (const v of listOption(values, flag))
      if (!fs.existsSync(v)) throw new UsageError(`--${flag} ${v} does not exist`);
}

/**
 * The `python -m ssg_train` arguments of a training command: every option its table entry marks
 * `python`, in table order; paths made absolute from the user's directory, since the Python
 * module runs in training/.
 */
export function pythonArgs(spec: CommandSpec, values: Values): string[] {
  const out: string[] = [];
  for (const [flag, o] of Object.entries(spec.options)) {
    const v = values[flag];
    if (!o.python || v === undefined || v === false) continue;
    if (v === true) out.push(`--${flag}`);
    else if (o.python === 'value') out.push(`--${flag}`, v);
    else if (o.python === 'path') out.push(`--${flag}`, path.resolve(v));
    else for (const item of listOption(values, flag)) out.push(`--${flag}`, path.resolve(item));
  }
  return out;
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
