// The benches' load generator: every request sent once, every answer framed and counted, failures
// counted rather than lost, whatever framing the server uses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closedLoop, frameResponse, quantile, serialize } from '../../bench/closed-loop.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A server that records each request's body and answers as `answer` says. */
async function serve(answer: (body: string, res: import('node:http').ServerResponse) => void): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      bodies.push(body);
      answer(body, res);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/event`, bodies };
}

const requests = (n: number) => Array.from({ length: n }, (_, i) => ({ body: JSON.stringify({ i, text: '补卡 ✓' }), headers: { 'content-type': 'application/json', 'x-n': String(i) } }));

describe('the closed-loop load generator', () => {
  it('sends every request exactly once over the given connections and times each answer', async () => {
    const sockets = new Set<unknown>();
    const { url, bodies } = await serve((_, res) => res.end('{"ok":true}'));
    server!.on('connection', (s) => sockets.add(s));
    const result = await closedLoop(url, requests(300), 7);
    expect(result).toMatchObject({ ok: 300, non2xx: 0, errors: 0 });
    expect(result.latencies).toHaveLength(300);
    expect(result.last).toBeGreaterThan(result.first);
    expect(bodies.map((b) => JSON.parse(b).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(JSON.parse(bodies[0]!).text).toBe('补卡 ✓'); // the body's bytes, not its characters, are counted
    expect(sockets.size).toBe(7); // keep-alive: one connection each, reused
  });

  it('deals its connections round-robin to several servers, which share the requests: a faster one answers more', async () => {
    const { url: slowUrl, bodies: slowBodies } = await serve((_, res) => setTimeout(() => res.end('slow'), 4));
    const slowSockets = new Set<unknown>();
    server!.on('connection', (s) => slowSockets.add(s));
    const slow = server!;
    server = undefined;
    try {
      const { url: fastUrl, bodies: fastBodies } = await serve((_, res) => res.end('fast'));
      const fastSockets = new Set<unknown>();
      server!.on('connection', (s) => fastSockets.add(s));
      const result = await closedLoop([slowUrl, fastUrl], requests(200), 4);
      expect(result).toMatchObject({ ok: 200, errors: 0 });
      expect(result.answeredBy).toEqual([slowBodies.length, fastBodies.length]);
      expect([slowSockets.size, fastSockets.size]).toEqual([2, 2]);
      const seen = [...slowBodies, ...fastBodies].map((b) => JSON.parse(b).i).sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i)); // each request once, to one of them
      expect(fastBodies.length).toBeGreaterThan(2 * slowBodies.length);
    } finally {
      await new Promise((r) => slow.close(r));
    }
  });

  it('refuses servers that differ in path: the requests are serialized once for all', () => {
    expect(() => closedLoop(['http://127.0.0.1:1/a', 'http://127.0.0.1:2/b'], requests(1), 2)).toThrow(/another path/);
  });

  it('frames chunked answers and counts the ones that are not 2xx', async () => {
    const { url } = await serve((body, res) => {
      res.statusCode = JSON.parse(body).i % 3 === 0 ? 503 : 200;
      res.write('part one,');
      res.end('part two');
    });
    const result = await closedLoop(url, requests(30), 4);
    expect(result).toMatchObject({ ok: 20, non2xx: 10, errors: 0 });
  });

  it('counts a request whose connection is dropped as an error and goes on with a new connection', async () => {
    const { url } = await serve((body, res) => {
      if (JSON.parse(body).i === 5) res.socket!.destroy();
      else res.end('ok');
    });
    const result = await closedLoop(url, requests(20), 2);
    expect(result).toMatchObject({ ok: 19, non2xx: 0, errors: 1 });
  });

  it('ends, with every request counted as an error, when nothing listens', async () => {
    const { url } = await serve((_, res) => res.end());
    await new Promise((r) => server!.close(r));
    server = undefined;
    const result = await closedLoop(url, requests(5), 2);
    expect(result).toMatchObject({ ok: 0, errors: 5 });
  });

  it('times out a request that gets no answer', async () => {
    const { url } = await serve((body, res) => {
      if (JSON.parse(body).i !== 0) res.end('ok');
    });
    const result = await closedLoop(url, requests(3), 1, 200);
    expect(result).toMatchObject({ ok: 2, errors: 1 });
  });
});

describe('framing an answer', () => {
  it('needs the whole body before an answer counts', () => {
    const answer = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    expect(frameResponse(answer.subarray(0, answer.length - 1))).toBeUndefined();
    expect(frameResponse(answer)).toEqual({ end: answer.length, status: 200 });
    expect(frameResponse(Buffer.concat([answer, Buffer.from('HTTP/1.1 4')]))).toEqual({ end: answer.length, status: 200 });
  });

  it('reads chunked bodies to their last chunk', () => {
    const answer = Buffer.from('HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n');
    expect(frameResponse(answer.subarray(0, answer.length - 2))).toBeUndefined();
    expect(frameResponse(answer)).toEqual({ end: answer.length, status: 503 });
  });

  it('refuses an answer with no framing rather than guess where it ends', () => {
    expect(() => frameResponse(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello'))).toThrow(/no length/);
  });

  it('writes requests with their byte length and headers', () => {
    const wire = serialize(new URL('http://127.0.0.1:9/webhook/event?x=1'), { body: '✓', headers: { 'x-lark-signature': 'abc' } }).toString('utf8');
    expect(wire).toBe('POST /webhook/event?x=1 HTTP/1.1\r\nhost: 127.0.0.1:9\r\ncontent-length: 3\r\nx-lark-signature: abc\r\n\r\n✓');
  });
});

describe('quantiles of latencies', () => {
  it('is the value at the rank, rounded up to a tenth of a millisecond', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1.01); // 1.01 … 100.01
    expect(quantile(latencies, 0.5)).toBe(50.1);
    expect(quantile(latencies, 0.99)).toBe(99.1);
    expect(quantile([], 0.99)).toBe(0);
  });
});
