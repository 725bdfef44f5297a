// Logging: one JSON line per record (pino), readable when stdout is a terminal (pino-pretty).
// Configured secrets and bearer tokens are scrubbed from every line on its way out, whatever
// field they hide in, so a careless call site cannot leak them.
import { createRequire } from 'node:module';
import pino, { type DestinationStream } from 'pino';
import type pretty from 'pino-pretty';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;
export const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const TOKEN_PATTERNS = [/Bearer\s+[\w.~+/=-]+/gi, /\b[tu]-[\w-]{16,}/g];

export interface LoggerOptions {
  level?: Level;
  secrets?: readonly string[];
  /** Where lines go; stdout by default (pretty-printed when it is a terminal). */
  write?: (line: string) => void;
}

export function scrubber(secrets: readonly string[]): (line: string) => string {
  const kept = secrets.filter((s) => s.length >= 4).map((s) => JSON.stringify(s).slice(1, -1));
  return (line) => {
    let out = line;
    for (const secret of kept) out = out.split(secret).join('[redacted]');
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[redacted]');
    return out;
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const scrub = scrubber(options.secrets ?? []);
  let destination: DestinationStream;
  if (options.write) {
    const write = options.write;
    destination = { write: (line: string) => write(line.replace(/\n$/, '')) };
  } else if (process.stdout.isTTY) {
    // Loaded only for a terminal: in a container or under a supervisor it would cost every start
    // ~20 ms of CPU for nothing.
    const prettyStream: typeof pretty = createRequire(import.meta.url)('pino-pretty');
    destination = prettyStream({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } else {
    destination = pino.destination({ dest: 1, sync: true });
  }
  const base = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: (e: unknown) => (e instanceof Error ? { name: e.name, message: e.message } : e) },
      hooks: { streamWrite: scrub },
    },
    destination,
  );
  const emit = (level: Level) => (msg: string, fields: Fields = {}) => base[level](fields, msg);
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
