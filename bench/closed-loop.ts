// The benches' load generator: a fixed number of keep-alive HTTP/1.1 connections, each sending its
// next request as soon as the answer to the last one is in (a closed loop).
// Every request is serialized to bytes before the clock starts, and an answer is only framed
// (status line, Content-Length or chunks), never parsed further, so that the generator spends as
// little as possible of the cores it shares with the servers it measures.
import { connect, type Socket } from 'node:net';

export interface LoadRequest {
  body: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  /** Answers with a 2xx status, and the others. */
  ok: number;
  non2xx: number;
  /** Requests that got no answer: connection refused or closed, or no answer within the timeout. */
  errors: number;
  /** Milliseconds from writing each answered request to the end of its answer, in the order answered. */
  latencies: number[];
  /** performance.now() of the first request written and of the last answer received. */
  first: number;
  last: number;
  /** Answers (2xx or not) from each target, in the order the targets were given. */
  answeredBy: number[];
}

/** `POST path` with the request's headers and body, as the bytes that go on the wire. */
export function serialize(url: URL, request: LoadRequest): Buffer {
  const body = Buffer.from(request.body, 'utf8');
  const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, `content-length: ${body.length}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Where the answer at the start of `data` ends, and its status; undefined while incomplete.
 * Answers to POST always carry a body framing: Content-Length or chunked.
 */
export function frameResponse(data: Buffer): { end: number; status: number } | undefined {
  const headEnd = data.indexOf(CRLFCRLF);
  if (headEnd < 0) return undefined;
  const head = data.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (length) {
    const end = headEnd + 4 + Number(length[1]);
    return data.length >= end ? { end, status } : undefined;
  }
  if (!/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) throw new Error(`answer with no length: ${JSON.stringify(head)}`);
  let at = headEnd + 4;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd), 16);
    if (size === 0) {
      // No trailers are sent to a POST here: the last chunk is followed by an empty line.
      const end = lineEnd + 4;
      return data.length >= end ? { end, status } : undefined;
    }
    at = lineEnd + 2 + size + 2;
    if (at > data.length) return undefined;
  }
}

/**
 * Sends every request once over `connections` connections; resolves when all are answered or failed.
 * With several URLs (servers behind one path), connection k goes to URL k mod n, as an L4 balancer
 * deals connections round-robin; every connection takes the next of the shared requests, so a faster
 * server answers more of them.
 */
export function closedLoop(urls: string | readonly string[], requests: readonly LoadRequest[], connections: number, timeoutMs = 10_000): Promise<LoadResult> {
  const targets = (typeof urls === 'string' ? [urls] : urls).map((u) => new URL(u));
  if (targets.length === 0) throw new Error('closedLoop: no URL to send to');
  for (const t of targets) {
    if (t.pathname + t.search !== targets[0]!.pathname + targets[0]!.search) throw new Error(`closedLoop: ${t} has another path than ${targets[0]}`);
  }
  // As behind a balancer, every request names one host and path, whichever server it reaches.
  const wire = requests.map((r) => serialize(targets[0]!, r));
  const result: LoadResult = { ok: 0, non2xx: 0, errors: 0, latencies: [], first: 0, last: 0, answeredBy: targets.map(() => 0) };
  let next = 0;
  let running = 0;

  return new Promise((resolve) => {
    const done = () => {
      if (--running === 0) resolve(result);
    };
    const open = (slot: number): void => {
      if (next >= wire.length) return done();
      const target = targets[slot % targets.length]!;
      let socket: Socket;
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let inFlight = false;
      let finished = false;
      let timer: NodeJS.Timeout | undefined;
      const send = () => {
        if (next >= wire.length) {
          finished = true;
          socket.end();
          return done();
        }
        const request = wire[next++]!;
        sentAt = performance.now();
        result.first ||= sentAt;
        inFlight = true;
        timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
        socket.write(request);
      };
      socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true }, send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const framed = frameResponse(pending);
        if (!framed) return;
        clearTimeout(timer);
        inFlight = false;
        const now = performance.now();
        result.last = now;
        result.latencies.push(now - sentAt);
        result.answeredBy[slot % targets.length]!++;
        if (framed.status >= 200 && framed.status < 300) result.ok++;
        else result.non2xx++;
        pending = pending.subarray(framed.end);
        send();
      });
      // A connection that fails loses its request in flight (counted) and is replaced; one that
      // could not be opened costs a request too, so that a dead server ends the run.
      socket.on('close', () => {
        clearTimeout(timer);
        if (finished) return;
        if (inFlight) {
          inFlight = false;
          result.errors++;
        } else if (next < wire.length) {
          next++;
          result.errors++;
        }
        result.last = performance.now();
        setImmediate(open, slot);
      });
      socket.on('error', () => undefined); // 'close' follows
    };
    running = Math.min(connections, wire.length);
    if (running === 0) return resolve(result);
    for (let i = 0; i < running; i++) open(i);
  });
}

/** The value at quantile q of the latencies, in ms, rounded up to a tenth. */
export function quantile(latencies: readonly number[], q: number): number {
  if (latencies.length === 0) return 0;
  const sorted = Float64Array.from(latencies).sort();
  const at = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return Math.ceil(sorted[Math.max(0, at)]! * 10) / 10;
}
