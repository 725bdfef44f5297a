// The SDK's HTTP layer (feishu/http.ts) against real servers: what it sends, what it gives back,
// that its connections are reused, and that its timeout covers the whole answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchHttpInstance, OpenPlatformHttpError } from '../../src/feishu/http.js';
import { NetworkError } from '../../src/network-failure.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: Socket;
}

/** An HTTP server on 127.0.0.1 answering with `answer`; records every request and connection. */
async function server(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const connections: Socket[] = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, socket: req.socket });
      answer(req, res, body);
    });
  });
  srv.on('connection', (socket) => connections.push(socket));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, seen, connections };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('fetchHttpInstance', () => {
  it('sends the JSON body, its content type, the headers and the params; gives back the parsed answer', async () => {
    const s = await server((_req, res) => json(res, 200, { code: 0, data: { message_id: 'om_1' } }));
    const http = fetchHttpInstance(5000);
    const answer = await http.post(
      `${s.url}/open-apis/im/v1/messages`,
      { receive_id: 'oc_1', content: '{"text":"补卡"}' },
      { params: { receive_id_type: 'chat_id' }, headers: { Authorization: 'Bearer t-1', 'User-Agent': 'sdk' } },
    );
    expect(answer).toEqual({ code: 0, data: { message_id: 'om_1' } });
    const [seen] = s.seen;
    expect(seen).toMatchObject({ method: 'POST', url: '/open-apis/im/v1/messages?receive_id_type=chat_id', body: '{"receive_id":"oc_1","content":"{\\"text\\":\\"补卡\\"}"}' });
    expect(seen!.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer t-1', 'user-agent': 'sdk' });
    expect(Number(seen!.headers['content-length'])).toBe(Buffer.byteLength(seen!.body));
  });

  it('a GET carries no body and no content type; paramsSerializer is used when given', async () => {
    const s = await server((_req, res) => json(res, 200, { code: 0 }));
    await fetchHttpInstance(5000).request({ method: 'get', url: `${s.url}/x?a=1`, data: { ignored: true }, params: { b: 2 }, paramsSerializer: () => 'b=two' });
    expect(s.seen[0]).toMatchObject({ method: 'GET', url: '/x?a=1&b=two', body: '' });
    expect(s.seen[0]!.headers['content-type']).toBeUndefined();
  });

  it('an answer that is not JSON comes back as its text; $return_headers gives the headers too', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-tt-logid': 'log-1' });
      res.end('\uFEFFplain words');
    });
    const answer = await fetchHttpInstance(5000).request({ url: `${s.url}/file`, $return_headers: true } as never);
    expect(answer).toMatchObject({ data: 'plain words', headers: { 'content-type': 'text/plain', 'x-tt-logid': 'log-1' } });
  });

  it('an HTTP error keeps status, parsed body and headers (x-ogw-ratelimit-reset)', async () => {
    const s = await server((_req, res) => json(res, 429, { code: 99991400, msg: 'limit' }, { 'x-ogw-ratelimit-reset': '3' }));
    const error = await fetchHttpInstance(5000).post(`${s.url}/open-apis/im/v1/messages`, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenPlatformHttpError);
    const http = error as OpenPlatformHttpError;
    expect(http.status).toBe(429);
    expect(http.body).toEqual({ code: 99991400, msg: 'limit' });
    expect(http.headers.get('x-ogw-ratelimit-reset')).toBe('3');
  });

  it('reuses one connection for calls one after another, answers and errors alike', async () => {
    let n = 0;
    const s = await server((_req, res) => (++n % 2 ? json(res, 200, { code: 0 }) : json(res, 400, { code: 1 })));
    const http = fetchHttpInstance(5000);
    for (let i = 0; i < 6; i++) await http.post(`${s.url}/open-apis/im/v1/messages`, { i }).catch(() => {});
    expect(s.seen).toHaveLength(6);
    expect(s.connections).toHaveLength(1);
  });

  it('the timeout covers the body: an answer that stalls mid-body times out and its connection is closed', async () => {
    let closed = false;
    const s = await server((req, res) => {
      req.socket.once('close', () => (closed = true));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"code":0,'); // and nothing more
    });
    const started = Date.now();
    const error = await fetchHttpInstance(5000)
      .request({ method: 'post', url: `${s.url}/open-apis/im/v1/messages`, data: {}, timeout: 200 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('timeout');
    expect((error as NetworkError).message).toBe(`timed out after 200 ms waiting for ${s.url.slice('http://'.length)} on POST /open-apis/im/v1/messages`);
    await expect.poll(() => closed).toBe(true);
  });

  it('the instance timeout applies when the call names none', async () => {
    const s = await server(() => {}); // reads the request, never answers
    const error = await fetchHttpInstance(150).get(`${s.url}/x`).catch((e: unknown) => e);
    expect((error as NetworkError).message).toBe(`timed out after 150 ms waiting for ${s.url.slice('http://'.length)} on GET /x`);
  });

  it('a malformed URL or an unknown protocol is a NetworkError too, not a throw from elsewhere', async () => {
    const http = fetchHttpInstance(5000);
    expect(await http.get('not a url').catch((e: unknown) => e)).toBeInstanceOf(NetworkError);
    expect(await http.get('ftp://127.0.0.1/x').catch((e: unknown) => e)).toBeInstanceOf(NetworkError);
  });
});
