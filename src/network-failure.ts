// A request that got no answer, in one line that names what failed, where and on which call:
// `ECONNREFUSED 127.0.0.1:9000 on POST /open-apis/im/v1/messages`. Node's fetch (undici) only
// says `TypeError: fetch failed`; the reason is in `cause`, sometimes nested or an AggregateError
// (one error per address tried), and a timeout is a DOMException with no cause at all. node:http
// (the SDK's calls, feishu/http.ts) gives the coded error itself, and a timeout there is the same
// DOMException; its ECONNRESET covers both a reset and a close, told apart by the message.

export interface FailedCall {
  method: string;
  url: string;
  /** The request's timeout, to say how long was waited. */
  timeoutMs?: number;
}

/** A request that failed before any HTTP answer; the message is the one-line description. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    /** The underlying code (ECONNREFUSED, UND_ERR_SOCKET, CERT_HAS_EXPIRED…), `timeout` or `aborted`. */
    readonly code: string,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

type ErrorLike = Error & { code?: unknown; address?: unknown; port?: unknown; errors?: unknown };

const isError = (value: unknown): value is ErrorLike => value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value);

/** Every error in the cause chain, outermost first; an AggregateError contributes its members. */
function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  const visit = (value: unknown, depth: number) => {
    if (!isError(value) || depth > 8 || found.includes(value)) return;
    found.push(value);
    if (Array.isArray(value.errors)) for (const member of value.errors) visit(member, depth + 1);
    visit(value.cause, depth + 1);
  };
  visit(error, 0);
  return found;
}

// Codes whose name alone says little to an operator.
const MEANING: Record<string, string> = {
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'DNS lookup failed for now',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
};

const isTls = (code: string) => /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);

function target(url: string): { host: string; path: string } {
  try {
    const parsed = new URL(url);
    // host:port always, the port filled in; never the query (it can carry a ticket) or credentials.
    const port = parsed.port || (parsed.protocol === 'https:' || parsed.protocol === 'wss:' ? '443' : '80');
    return { host: `${parsed.hostname}:${port}`, path: parsed.pathname };
  } catch {
    return { host: '?', path: url.split('?')[0]! };
  }
}

const oneLine = (text: string, max = 160) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** The addresses actually tried, when they are not the host as named (e.g. localhost → ::1, 127.0.0.1). */
function addresses(errors: ErrorLike[], host: string): string | undefined {
  const tried = [
    ...new Set(
      errors
        .filter((e) => typeof e.address === 'string')
        .map((e) => (typeof e.port === 'number' ? `${String(e.address).includes(':') ? `[${e.address}]` : e.address}:${e.port}` : String(e.address))),
    ),
  ];
  if (tried.length === 0 || (tried.length === 1 && tried[0] === host)) return undefined;
  return `at ${tried.join(', ')}`;
}

export interface NetworkFailure {
  code: string;
  line: string;
}

export function analyseNetworkFailure(error: unknown, call: FailedCall): NetworkFailure {
  const { host, path } = target(call.url);
  const on = `on ${call.method.toUpperCase()} ${path}`;
  const errors = chain(error);

  // AbortSignal.timeout(): a DOMException named TimeoutError, with no cause to tell more.
  if (errors.some((e) => e.name === 'TimeoutError')) {
    const after = call.timeoutMs !== undefined ? ` after ${call.timeoutMs} ms` : '';
    return { code: 'timeout', line: `timed out${after} waiting for ${host} ${on}` };
  }
  if (errors.some((e) => e.name === 'AbortError')) return { code: 'aborted', line: `aborted while waiting for ${host} ${on}` };

  const coded = errors.find((e) => typeof e.code === 'string');
  const code = coded ? String(coded.code) : undefined;
  const details: string[] = [];
  if (code && isTls(code)) details.push(`TLS: ${oneLine(coded!.message)}`);
  else if (code === 'UND_ERR_SOCKET') {
    details.push(coded!.message === 'other side closed' ? 'connection closed by the other side' : `connection closed: ${oneLine(coded!.message, 80)}`);
  } else if (code === 'ECONNRESET' && coded!.message === 'socket hang up') {
    // node:http's words for a connection closed before any answer (a TCP reset reads "read ECONNRESET").
    details.push('connection closed by the other side');
  } else if (code === 'ECONNRESET' && coded!.message === 'aborted') {
    // node:http's words for an answer whose connection closed before its end.
    details.push('connection closed by the other side mid-answer');
  } else if (code && MEANING[code]) details.push(MEANING[code]!);
  else if (!code) {
    // No code (e.g. fetch's "bad port"): the innermost message is the best there is.
    const root = errors.at(-1);
    if (root && !(root.name === 'TypeError' && root.message === 'fetch failed')) details.push(oneLine(root.message, 80));
  }
  const at = addresses(errors, host);
  if (at) details.push(at);
  const what = code ?? 'could not reach';
  return { code: code ?? 'unknown', line: `${what} ${host}${details.length ? ` (${details.join('; ')})` : ''} ${on}` };
}

/** One line: `ECONNREFUSED 127.0.0.1:9000 on POST /open-apis/im/v1/messages`. */
export function describeNetworkFailure(error: unknown, call: FailedCall): string {
  return analyseNetworkFailure(error, call).line;
}

/** The failure as a NetworkError whose message is that line; the original stays as `cause`. */
export function networkError(error: unknown, call: FailedCall): NetworkError {
  if (error instanceof NetworkError) return error;
  const { code, line } = analyseNetworkFailure(error, call);
  return new NetworkError(line, code, error);
}
