// A TCP relay to PostgreSQL that a test can break the ways a network or a server breaks:
// `cut()` resets every connection (a restart of PostgreSQL, a dropped link), `close()` refuses new
// ones (down), `silence()` lets every connection and every new one hang without a word (a host that
// died, a partition: nothing answers, nothing is reset), and `failOver()` keeps the silent
// connections hanging while new ones reach the server again (a managed fail-over that moved the
// name or the address to a new primary; the old connections lead nowhere).
import { createServer, Socket, type Server } from 'node:net';
import { freePort } from './bot-process.js';

export interface PostgresRelay {
  /** The target URL with the relay's host and port. */
  url: string;
  listen(): Promise<void>;
  cut(): void;
  silence(): void;
  failOver(): void;
  close(): Promise<void>;
}

export async function postgresRelay(target: string): Promise<PostgresRelay> {
  const to = new URL(target);
  const port = await freePort();
  const sockets = new Set<Socket>();
  const live: Array<{ client: Socket; upstream: Socket }> = [];
  let silent = false;
  let server: Server | undefined;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  /** A connection that leads nowhere: held open, its bytes never passed on (closed with the rest). */
  const hang = (s: Socket) => {
    s.unpipe();
    s.pause();
  };
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        track(client);
        if (silent) return hang(client);
        const upstream = new Socket();
        track(upstream);
        upstream.connect(Number(to.port || 5432), to.hostname);
        client.pipe(upstream).pipe(client);
        live.push({ client, upstream });
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const via = new URL(target);
  via.hostname = '127.0.0.1';
  via.port = String(port);
  return {
    url: via.toString(),
    listen,
    cut() {
      for (const s of sockets) s.destroy();
    },
    silence() {
      silent = true;
      for (const { client, upstream } of live.splice(0)) {
        hang(client);
        hang(upstream);
      }
    },
    failOver() {
      silent = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      server = undefined;
    },
  };
}
