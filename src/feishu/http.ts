// The SDK's HTTP layer: a timeout on every request, and errors that keep the status, body and
// headers (x-ogw-ratelimit-reset) that delivery decisions need. A request that gets no answer
// fails with a NetworkError naming host, call and cause, for the outbox's last error.
//
// On node:http rather than fetch: fetch (undici) builds web streams, Request/Response objects and
// an AbortSignal per call, ~0.6–1 ms of CPU per card send, a visible share of a core at Feishu's
// 50 sends/s. node:http with keep-alive agents does the same work with less (the bot's CPU per
// send fell by ~1.3 ms, from ~4.8 to ~3.5 ms, in a noisy A/B of the delivery worker).
import type { HttpInstance, HttpRequestOptions } from '@larksuiteoapi/node-sdk';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { networkError } from '../network-failure.js';

export class OpenPlatformHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Headers,
  ) {
    super(`Open Platform answered HTTP ${status}`);
  }
}

// One keep-alive pool per protocol for the whole process, as fetch's global dispatcher was: every
// HttpInstance (the bot's client, the long connection's, the many a test suite makes) reuses the
// same warm connections to Open Platform, and an instance that is dropped leaves no agent of its
// own holding idle sockets (nothing would ever destroy it). 64 sockets per host is well above what
// the worker keeps in flight (SEND_CONCURRENCY, 10 by default); calls beyond it wait for a socket,
// within their timeout. An idle socket is closed after 4 s (undici's default), sooner if the
// server's Keep-Alive hint says so, so that a reused socket is rarely one the server just closed.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, timeout: 4000 };
const transports: Record<string, { request: typeof httpRequest; agent: HttpAgent }> = {
  'http:': { request: httpRequest, agent: new HttpAgent(AGENT_OPTIONS) },
  'https:': { request: httpsRequest, agent: new HttpsAgent(AGENT_OPTIONS) },
};

function withParams(url: string, options: HttpRequestOptions<unknown>): string {
  const params = options.params;
  if (!params || Object.keys(params).length === 0) return url;
  const query =
    typeof options.paramsSerializer === 'function'
      ? options.paramsSerializer(params)
      : new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
}

/** JSON if it parses, else the text. */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The answer's headers as fetch gave them; built only when needed (an error, $return_headers). */
function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

interface Answer {
  response: IncomingMessage;
  text: string;
}

/**
 * One request, answered in full: resolves once the whole body is read (so that the socket goes
 * back to the pool), rejects on anything else. `timeoutMs` covers all of it, from waiting for a
 * socket to the last byte; on timeout the request is destroyed and the rejection is a
 * TimeoutError, the same DOMException that AbortSignal.timeout() gave fetch, which
 * network-failure.ts reports as "timed out after … ms".
 */
function exchange(url: string, method: string, headers: OutgoingHttpHeaders, body: string | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    // new URL() throws on a malformed URL: inside the executor, that rejects the promise.
    const target = new URL(url);
    const transport = transports[target.protocol];
    if (!transport) throw new TypeError(`unsupported protocol ${target.protocol}`);
    let timer: NodeJS.Timeout | undefined = undefined;
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    };
    const request = transport.request(target, { method, headers, agent: transport.agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        clearTimeout(timer);
        // Like fetch's text(): a leading byte order mark is not part of the text.
        resolve({ response, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
      });
      // The connection closed mid-answer: ECONNRESET "aborted".
      response.on('error', fail);
    });
    timer = setTimeout(() => {
      const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      fail(timeout);
      request.destroy(timeout);
    }, timeoutMs);
    request.on('error', fail);
    request.end(body);
  });
}

export function fetchHttpInstance(timeoutMs: number): HttpInstance {
  async function request(options: HttpRequestOptions<unknown>): Promise<any> {
    const method = (options.method ?? 'GET').toUpperCase();
    const hasBody = options.data !== undefined && method !== 'GET' && method !== 'HEAD';
    const url = withParams(options.url ?? '', options);
    const timeout = options.timeout ?? timeoutMs;
    const headers: OutgoingHttpHeaders = hasBody ? { 'content-type': 'application/json; charset=utf-8' } : {};
    // node:http throws on an undefined header value (fetch sent the word "undefined"): left out.
    for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined && value !== null) headers[name] = value as string;
    const data = hasBody ? JSON.stringify(options.data) : undefined;
    let answer: Answer;
    try {
      answer = await exchange(url, method, headers, data, timeout);
    } catch (error) {
      throw networkError(error, { method, url, timeoutMs: timeout });
    }
    const { response, text } = answer;
    const body = parseBody(text);
    if (response.statusCode! >= 400) throw new OpenPlatformHttpError(response.statusCode!, body, headersOf(response));
    return options.$return_headers ? { data: body, headers: Object.fromEntries(headersOf(response)) } : body;
  }
  const withMethod = (method: string) => (url: string, opts: HttpRequestOptions<unknown> = {}) => request({ ...opts, url, method });
  const withData = (method: string) => (url: string, data?: unknown, opts: HttpRequestOptions<unknown> = {}) =>
    request({ ...opts, url, method, data });
  return {
    request,
    get: withMethod('GET'),
    delete: withMethod('DELETE'),
    head: withMethod('HEAD'),
    options: withMethod('OPTIONS'),
    post: withData('POST'),
    put: withData('PUT'),
    patch: withData('PATCH'),
  } as HttpInstance;
}
