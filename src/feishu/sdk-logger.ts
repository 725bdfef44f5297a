// The SDK logs whole objects (request configs with Authorization headers, socket URLs with
// tickets); only a text summary of its errors and warnings reaches our log, at debug level.
import type { Logger } from '../log.js';
import { NetworkError } from '../network-failure.js';

/** A one-line description of an error or log argument that never dumps an object's fields. */
export function describeError(value: unknown): string {
  // Already a whole sentence: `ECONNREFUSED 127.0.0.1:9000 on POST /open-apis/im/v1/messages`.
  if (value instanceof NetworkError) return value.message;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return typeof value === 'string' ? value : Object.prototype.toString.call(value);
}

export function sdkLogger(log: Logger) {
  return {
    error: (...args: unknown[]) => log.debug('sdk error', { detail: args.map(describeError).join(' ') }),
    warn: (...args: unknown[]) => log.debug('sdk warning', { detail: args.map(describeError).join(' ') }),
    info: () => {},
    debug: () => {},
    trace: () => {},
  };
}
