// The SDK's HTTP layer on fetch: a timeout on every request, and errors that keep the status,
// body and headers (x-ogw-ratelimit-reset) that delivery decisions need. A request that gets no
// answer fails with a NetworkError naming host, call and cause, for the outbox's last error.
import type { HttpInstance, HttpRequestOptions } from '@larksuiteoapi/node-sdk';
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

function withParams(url: string, options: HttpRequestOptions<unknown>): string {
  const params = options.params;
  if (!params || Object.keys(params).length === 0) return url;
  const query =
    typeof options.paramsSerializer === 'function'
      ? options.paramsSerializer(params)
      : new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
}

async function parseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function fetchHttpInstance(timeoutMs: number): HttpInstance {
  async function request(options: HttpRequestOptions<unknown>): Promise<any> {
    const method = (options.method ?? 'GET').toUpperCase();
    const hasBody = options.data !== undefined && method !== 'GET' && method !== 'HEAD';
    const url = withParams(options.url ?? '', options);
    const timeout = options.timeout ?? timeoutMs;
    const headers = { ...(hasBody ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...(options.headers ?? {}) };
    const data = hasBody ? JSON.stringify(options.data) : undefined;
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(url, { method, headers, body: data, signal: AbortSignal.timeout(timeout) });
      // Reading the body can fail too (connection closed or timeout mid-answer).
      body = await parseBody(response);
    } catch (error) {
      throw networkError(error, { method, url, timeoutMs: timeout });
    }
    if (response.status >= 400) throw new OpenPlatformHttpError(response.status, body, response.headers);
    return options.$return_headers ? { data: body, headers: Object.fromEntries(response.headers) } : body;
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
