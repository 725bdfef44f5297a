// A PostgreSQL server that speaks TLS, in front of the tests' server (which may not): it answers
// the client's SSLRequest with 'S', completes the TLS handshake with test/fixtures/tls/server.pem,
// and relays the decrypted protocol to the real server. The client side — node-postgres reading
// sslmode and sslrootcert from DATABASE_URL, verifying the certificate — is exactly the bot's.
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { TLSSocket } from 'node:tls';

export const TLS_FIXTURES = resolve(import.meta.dirname, '../fixtures/tls');
const SSL_REQUEST = 80877103;

export async function startTlsPostgresProxy(upstream: { host: string; port: number }) {
  const key = readFileSync(join(TLS_FIXTURES, 'server.key'));
  const cert = readFileSync(join(TLS_FIXTURES, 'server.pem'));
  const stats = { secureSessions: 0, plaintextRefused: 0, failedHandshakes: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.once('readable', function first() {
      const head = client.read(8) as Buffer | null;
      if (head === null) return client.once('readable', first);
      if (head.readInt32BE(0) !== 8 || head.readInt32BE(4) !== SSL_REQUEST) {
        // Like a server with only `hostssl` lines: no plaintext sessions.
        stats.plaintextRefused++;
        return client.destroy();
      }
      client.write('S');
      const secure = new TLSSocket(client, { isServer: true, key, cert });
      let handshaken = false;
      secure.on('error', () => client.destroy());
      // A client that rejects the certificate sends an alert and hangs up mid-handshake.
      secure.once('close', () => void (handshaken || stats.failedHandshakes++));
      secure.once('secure', () => {
        handshaken = true;
        stats.secureSessions++;
        const backend = connect(upstream.port, upstream.host);
        sockets.add(backend);
        backend.on('close', () => (sockets.delete(backend), secure.destroy()));
        backend.on('error', () => secure.destroy());
        secure.on('close', () => backend.destroy());
        secure.pipe(backend).pipe(secure);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    stats,
    /** `url` (a database on the upstream server) reached through this proxy, with these query parameters. */
    via(url: string, query: Record<string, string>): string {
      const through = new URL(url);
      through.host = `127.0.0.1:${port}`;
      for (const [name, value] of Object.entries(query)) through.searchParams.set(name, value);
      return through.toString();
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
