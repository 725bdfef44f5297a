// A database of its own for each test that needs PostgreSQL, on the server of postgres-server.ts.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function postgresServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('no TEST_DATABASE_URL: the global set-up (test/support/postgres-server.ts) did not run');
  return url;
}

/** Creates an empty database on `server` (the tests' by default); returns its URL and a drop(). */
export async function freshDatabase(server = postgresServerUrl()): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bot_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: server });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
