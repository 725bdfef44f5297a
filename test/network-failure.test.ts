// One line per failed request, from real failures where a test can cause them (a closed port, a
// server that hangs, one that drops the connection, a self-signed certificate) and from
// constructed ones where it cannot (DNS, an expired certificate).
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchHttpInstance, OpenPlatformHttpError } from '../src/feishu/http.js';
import { describeNetworkFailure, NetworkError } from '../src/network-failure.js';
import { freePort } from './support/bot-process.js';

// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
//  -subj /CN=approval-bot-test -addext subjectAltName=IP:127.0.0.1`: valid until 2126, trusted by no one.
const SELF_SIGNED = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgK2bHRok4fWb8WBLt
/Kymapu2Cqdg+2oUB3Np7cInbFWhRANCAARcrBBrFgdOeMgFUQTuUp6ewt/XVcjl
isv9NGH45V02tUxzHg0pV66bD56yCtNi1h8LdQp0Nn8/kjsPUWBiNQE4
-----END PRIVATE KEY-----`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBoDCCAUagAwIBAgIUGLhKgiV+fO513gOrSM8MDFKTeAcwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRYXBwcm92YWwtYm90LXRlc3QwIBcNMjYxMTI1MDgyODUyWhgP
MjEyNjExMDEwODI4NTJaMBwxGjAYBgNVBAMMEWFwcHJvdmFsLWJvdC10ZXN0MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXKwQaxYHTnjIBVEE7lKensLf11XI5YrL
/TRh+OVdNrVMcx4NKVeumw+esgrTYtYfC3UKdDZ/P5I7D1FgYjUBOKNkMGIwHQYD
VR0OBBYEFOj5y3o+PBGDMRrNtt3cwnPOHz2DMB8GA1UdIwQYMBaAFOj5y3o+PBGD
MRrNtt3cwnPOHz2DMA8GA1UdEwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAAATAK
BggqhkjOPQQDAgNIADBFAiAd4Xu5U7h/gISJCZndPrNX2goFxe6HEZWysvMTql9S
cAIhAPDcDzezagQ7WfV/hAS2z4nwIwoRlks+wmpB/8F/ijqn
-----END CERTIFICATE-----`,
};

const MESSAGES = '/open-apis/im/v1/messages';
const servers: Array<{ close(): unknown; closeAllConnections?: () => void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections?.();
    server.close();
  }
});

/** A TCP server on 127.0.0.1 doing `onSocket` to every connection; resolves with its port. */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    onSocket(socket);
  });
  servers.push({ close: () => server.close(), closeAllConnections: () => sockets.forEach((s) => s.destroy()) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function failure(url: string, init: RequestInit = {}): Promise<unknown> {
  try {
    const response = await fetch(url, init);
    await response.text();
  } catch (error) {
    return error;
  }
  throw new Error(`${url} did not fail`);
}

describe('describeNetworkFailure, over real failures', () => {
  it('a closed port names the code, host:port and the call', async () => {
    const port = await freePort();
    const error = await failure(`http://127.0.0.1:${port}${MESSAGES}?receive_id_type=chat_id`, { method: 'POST' });
    expect(error).toBeInstanceOf(TypeError); // undici's "fetch failed"; the code is two causes deep
    expect(describeNetworkFailure(error, { method: 'POST', url: `http://127.0.0.1:${port}${MESSAGES}?receive_id_type=chat_id` })).toBe(
      `ECONNREFUSED 127.0.0.1:${port} on POST ${MESSAGES}`,
    );
  });

  it('a server that never answers: how long was waited, for which host', async () => {
    const port = await tcpServer(() => {}); // accepts, reads nothing, says nothing
    const url = `http://127.0.0.1:${port}${MESSAGES}`;
    const error = await failure(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(100) });
    expect(describeNetworkFailure(error, { method: 'POST', url, timeoutMs: 100 })).toBe(`timed out after 100 ms waiting for 127.0.0.1:${port} on POST ${MESSAGES}`);
  });

  it('a server that drops the connection', async () => {
    const port = await tcpServer((socket) => socket.once('data', () => socket.destroy()));
    const url = `http://127.0.0.1:${port}/webhook/event`;
    const error = await failure(url, { method: 'POST', body: '{}' });
    expect(describeNetworkFailure(error, { method: 'POST', url })).toBe(`UND_ERR_SOCKET 127.0.0.1:${port} (connection closed by the other side) on POST /webhook/event`);
  });

  it('a certificate no one trusts', async () => {
    const server = createHttpsServer(SELF_SIGNED, (_req, res) => res.end('{}'));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/callback/ws/endpoint`;
    const error = await failure(url, { method: 'POST' });
    expect(describeNetworkFailure(error, { method: 'POST', url })).toMatch(
      /^DEPTH_ZERO_SELF_SIGNED_CERT 127\.0\.0\.1:\d+ \(TLS: self[- ]signed certificate\) on POST \/callback\/ws\/endpoint$/,
    );
  });

  it('a port fetch refuses to use, with no code: the innermost message', async () => {
    const error = await failure('http://127.0.0.1:1/x');
    expect(describeNetworkFailure(error, { method: 'GET', url: 'http://127.0.0.1:1/x' })).toBe('could not reach 127.0.0.1:1 (bad port) on GET /x');
  });
});

const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });
const coded = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);
const FEISHU = `https://open.feishu.cn${MESSAGES}`;

describe('describeNetworkFailure, over constructed failures', () => {
  it.each([
    ['ENOTFOUND', coded('getaddrinfo ENOTFOUND open.feishu.cn', { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'open.feishu.cn' }), `ENOTFOUND open.feishu.cn:443 (no such host) on POST ${MESSAGES}`],
    ['EAI_AGAIN', coded('getaddrinfo EAI_AGAIN open.feishu.cn', { code: 'EAI_AGAIN', syscall: 'getaddrinfo' }), `EAI_AGAIN open.feishu.cn:443 (DNS lookup failed for now) on POST ${MESSAGES}`],
    ['an expired certificate', coded('certificate has expired', { code: 'CERT_HAS_EXPIRED' }), `CERT_HAS_EXPIRED open.feishu.cn:443 (TLS: certificate has expired) on POST ${MESSAGES}`],
    [
      'a certificate for another host',
      coded("Hostname/IP does not match certificate's altnames: Host: open.feishu.cn. is not in the cert's altnames: DNS:example.com", { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }),
      `ERR_TLS_CERT_ALTNAME_INVALID open.feishu.cn:443 (TLS: Hostname/IP does not match certificate's altnames: Host: open.feishu.cn. is not in the cert's altnames: DNS:example.com) on POST ${MESSAGES}`,
    ],
    ['a reset', coded('read ECONNRESET', { code: 'ECONNRESET' }), `ECONNRESET open.feishu.cn:443 (connection reset) on POST ${MESSAGES}`],
  ])('%s', (_name, cause, line) => {
    expect(describeNetworkFailure(fetchFailed(cause), { method: 'post', url: FEISHU })).toBe(line);
  });

  it('every address tried, from the AggregateError of a dual-stack connect', () => {
    const refused = (address: string) => coded(`connect ECONNREFUSED ${address}:9000`, { code: 'ECONNREFUSED', address, port: 9000 });
    const aggregate = Object.assign(new AggregateError([refused('::1'), refused('127.0.0.1')]), { code: 'ECONNREFUSED' });
    expect(describeNetworkFailure(fetchFailed(aggregate), { method: 'POST', url: `http://localhost:9000${MESSAGES}` })).toBe(
      `ECONNREFUSED localhost:9000 (at [::1]:9000, 127.0.0.1:9000) on POST ${MESSAGES}`,
    );
  });

  it('a code found however deep, a cycle tolerated, and no query or credentials in the line', () => {
    const inner = coded('connect ECONNREFUSED 10.0.0.1:443', { code: 'ECONNREFUSED', address: '10.0.0.1', port: 443 });
    const middle = new Error('connect failed', { cause: inner });
    (inner as { cause?: unknown }).cause = middle;
    expect(describeNetworkFailure(fetchFailed(middle), { method: 'POST', url: 'https://bot:secret@open.feishu.cn/open-apis/x?ticket=t0p' })).toBe(
      'ECONNREFUSED open.feishu.cn:443 (at 10.0.0.1:443) on POST /open-apis/x',
    );
  });

  it.each([
    ['a close before any answer', 'socket hang up', `ECONNRESET open.feishu.cn:443 (connection closed by the other side) on POST ${MESSAGES}`],
    ['a close mid-answer', 'aborted', `ECONNRESET open.feishu.cn:443 (connection closed by the other side mid-answer) on POST ${MESSAGES}`],
    ['a reset', 'read ECONNRESET', `ECONNRESET open.feishu.cn:443 (connection reset) on POST ${MESSAGES}`],
  ])('node:http: %s', (_name, message, line) => {
    expect(describeNetworkFailure(coded(message, { code: 'ECONNRESET' }), { method: 'POST', url: FEISHU })).toBe(line);
  });

  it('whatever was thrown still gives a line', () => {
    expect(describeNetworkFailure('boom', { method: 'GET', url: 'http://h/x' })).toBe('could not reach h:80 on GET /x');
    expect(describeNetworkFailure(new DOMException('aborted', 'AbortError'), { method: 'GET', url: 'http://h:8/x' })).toBe('aborted while waiting for h:8 on GET /x');
  });
});

describe('fetchHttpInstance (the SDK calls)', () => {
  it('a failed call throws a NetworkError with the line, the cause kept', async () => {
    const port = await freePort();
    const http = fetchHttpInstance(5000);
    const error = await http.post(`http://127.0.0.1:${port}${MESSAGES}`, { receive_id: 'oc_1' }, { params: { receive_id_type: 'chat_id' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe(`ECONNREFUSED 127.0.0.1:${port} on POST ${MESSAGES}`);
    expect((error as NetworkError).code).toBe('ECONNREFUSED');
    // node:http's own error; fetch wrapped it in a TypeError('fetch failed').
    expect((error as NetworkError).cause).toMatchObject({ code: 'ECONNREFUSED', address: '127.0.0.1', port });
  });

  it('a timeout names the timeout the call had', async () => {
    const port = await tcpServer(() => {});
    const error = await fetchHttpInstance(5000).request({ method: 'post', url: `http://127.0.0.1:${port}/callback/ws/endpoint`, data: {}, timeout: 150 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`timed out after 150 ms waiting for 127.0.0.1:${port} on POST /callback/ws/endpoint`);
  });

  it('a connection dropped before any answer', async () => {
    const port = await tcpServer((socket) => socket.once('data', () => socket.destroy()));
    const error = await fetchHttpInstance(5000).post(`http://127.0.0.1:${port}${MESSAGES}`, {}).catch((e: unknown) => e);
    expect((error as NetworkError).message).toBe(`ECONNRESET 127.0.0.1:${port} (connection closed by the other side) on POST ${MESSAGES}`);
  });

  it('a certificate no one trusts', async () => {
    const server = createHttpsServer(SELF_SIGNED, (_req, res) => res.end('{}'));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/callback/ws/endpoint`;
    const error = await fetchHttpInstance(5000).post(url, {}).catch((e: unknown) => e);
    expect((error as NetworkError).message).toMatch(/^DEPTH_ZERO_SELF_SIGNED_CERT 127\.0\.0\.1:\d+ \(TLS: self[- ]signed certificate\) on POST \/callback\/ws\/endpoint$/);
  });

  it('an answer cut off mid-body is a network failure too', async () => {
    const port = await tcpServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"code":0,', () => socket.destroy())),
    );
    const error = await fetchHttpInstance(5000).get(`http://127.0.0.1:${port}/open-apis/attendance/v1/groups/g1`).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`^ECONNRESET 127\\.0\\.0\\.1:${port} \\(connection closed by the other side mid-answer\\) on GET /open-apis/attendance/v1/groups/g1$`));
  });

  it('an HTTP answer stays an OpenPlatformHttpError, not a network failure', async () => {
    const port = await tcpServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"code":-1}')),
    );
    const error = await fetchHttpInstance(5000).get(`http://127.0.0.1:${port}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenPlatformHttpError);
    expect((error as OpenPlatformHttpError).status).toBe(503);
  });
});
