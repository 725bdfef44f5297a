// The PostgreSQL store when a connection it holds for a transaction dies (PostgreSQL restarted, a
// network cut, an administrator's pg_terminate_backend): the operation fails and can be retried,
// the process lives on, and the next operation gets a working connection. Unheard, the dropped
// connection's 'error' event ended the bot (seen under load in the fault tests).
import pg from 'pg';
import { expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { NewEvent } from '../../src/store/store.js';
import { eventually } from '../support/harness.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { freshDatabase } from '../support/postgres.js';

const cleanups = cleanupsAfterEach();

const approval: NewEvent = { eventId: 'e1', eventType: 'shift_approval', kind: 'shift', instanceCode: 'I1', status: 'accepted', payload: '{}', receivedAt: 1 };
const revocation = (eventId: string): NewEvent => ({ eventId, eventType: 'shift_approval_revert', kind: 'shift', instanceCode: 'I1', status: 'accepted', action: 'revoke', receivedAt: 2 });

it('a transaction whose connection is killed fails alone; the store goes on with a new connection', async () => {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const warnings: string[] = [];
  const log = { warn: (message: string) => warnings.push(message), info: () => undefined, error: () => undefined, debug: () => undefined };
  const store = openPostgresStore(db.url, { log: log as never });
  cleanups.push(() => store.close());
  await store.started;
  expect(await store.recordEvent(approval, [{ audience: 'employee', receiveIdType: 'open_id', receiveId: 'ou_1', uuid: 'u1' }])).toBe('stored');

  // Another session holds the instance's revocation lock, so the store's transaction waits inside it…
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  cleanups.push(() => other.end());
  await other.query('BEGIN');
  await other.query("SELECT pg_advisory_xact_lock(hashtext('revoke:' || $1))", ['I1']);
  const revoking = store.recordRevocation(revocation('r1'));
  revoking.catch(() => undefined);
  const waiting = await eventually(async () => {
    const rows = await other.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'");
    return rows.rows[0]?.pid;
  }, 'the store waiting for the lock');
  // …when its connection is killed.
  await other.query('SELECT pg_terminate_backend($1)', [waiting]);
  await expect(revoking).rejects.toThrow(/terminat/i);
  await other.query('ROLLBACK');

  // Still alive, and the revocation goes through when Feishu pushes it again.
  expect(await store.recordRevocation(revocation('r1'))).toMatchObject({ result: 'stored', outcome: 'revoked', edits: 0, cancelled: 1 });
  expect(warnings).toContain('PostgreSQL connection lost; reconnecting');
});
