// The process logger: pino's JSON lines for log collectors, pino-pretty's readable lines when a
// person is watching (stdout is a terminal).
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.ts';

type Destination = NodeJS.WritableStream & { isTTY?: boolean };

export function createLogger(config: Pick<Config, 'logLevel'>, destination: Destination = process.stdout): Logger {
  const options = { level: config.logLevel, base: { pid: process.pid } };
  if (!destination.isTTY) return pino(options, destination as DestinationStream);
  // sync: lines appear in order with the console output of the CLI around them.
  return pino(
    options,
    pretty({ destination, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}
