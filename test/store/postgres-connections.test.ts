// The PostgreSQL store when a connection it holds for a transaction dies (PostgreSQL restarted, a
// network cut, an administrator's pg_terminate_backend): the operation fails and can be retried,
// the process lives on, and the next operation gets a working connection. Unheard, the dropped
// connection's 'error' event ended the bot (seen under load in the fault tests).
import pg from 'pg';
import { expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { freshDatabase } from '../support/postgres.js';
import { approval, card, revocation, revocationWaiting } from '../support/revocation-lock.js';

const cleanups = cleanupsAfterEach();


it('a transaction whose connection is killed fails alone; the store goes on with a new connection', async () => {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const warnings: string[] = [];
  const log = { warn: (message: string) => warnings.push(message), info: () => undefined, error: () => undefined, debug: () => undefined };
  const store = openPostgresStore(db.url, { log: log as never });
  cleanups.push(() => store.close());
  await store.started;
  expect(await store.recordEvent(approval, card)).toBe('stored');

  // Another session holds the instance's revocation lock, so the store's transaction waits inside it…
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  cleanups.push(() => other.end());
  const { revoking, pid: waiting } = await revocationWaiting(store, other, 'r1');
  // …when its connection is killed.
  await other.query('SELECT pg_terminate_backend($1)', [waiting]);
  await expect(revoking).rejects.toThrow(/terminat/i);
  await other.query('ROLLBACK');

  // Still alive, and the revocation goes through when Feishu pushes it again.
  expect(await store.recordRevocation(revocation('r1'))).toMatchObject({ result: 'stored', outcome: 'revoked', edits: 0, cancelled: 1 });
  expect(warnings).toContain('PostgreSQL connection lost; reconnecting');
});
