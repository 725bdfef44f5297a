// One JSON line per log record. Configured secrets and bearer tokens are scrubbed from every line,
// whatever field they hide in, so a careless call site cannot leak them.
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const TOKEN_PATTERNS = [/Bearer\s+[\w.~+/=-]+/gi, /\b[tu]-[\w-]{16,}/g];

export interface LoggerOptions {
  level?: Level;
  secrets?: readonly string[];
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const scrub = (line: string) => {
    let out = line;
    for (const secret of secrets) out = out.split(JSON.stringify(secret).slice(1, -1)).join('[redacted]');
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[redacted]');
    return out;
  };
  const emit = (level: Level) => (msg: string, fields: Fields = {}) => {
    if (ORDER[level] < min) return;
    const record = { time: new Date().toISOString(), level, msg, ...fields };
    let line: string;
    try {
      line = JSON.stringify(record, (_, v) => (v instanceof Error ? { name: v.name, message: v.message } : v));
    } catch {
      line = JSON.stringify({ time: record.time, level, msg });
    }
    write(scrub(line));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
