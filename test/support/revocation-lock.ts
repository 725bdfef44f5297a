// A store's revocation held up inside its transaction: another session holds the instance's
// revocation lock, as a revocation of the same instance under way does. The fault tests use it to
// have a transaction open on a known connection at a known moment.
import type pg from 'pg';
import type { NewEvent, Store } from '../../src/store/store.js';
import { eventually } from './harness.js';

export const approval: NewEvent = { eventId: 'e1', eventType: 'shift_approval', kind: 'shift', instanceCode: 'I1', status: 'accepted', payload: '{}', receivedAt: 1 };
export const revocation = (eventId: string): NewEvent => ({ eventId, eventType: 'shift_approval_revert', kind: 'shift', instanceCode: 'I1', status: 'accepted', action: 'revoke', receivedAt: 2 });
export const card = [{ audience: 'employee' as const, receiveIdType: 'open_id' as const, receiveId: 'ou_1', uuid: 'u1' }];

/** Takes the revocation lock of `approval`'s instance in a transaction of `session` (ended by its COMMIT or ROLLBACK). */
export async function holdRevocationLock(session: pg.Client): Promise<void> {
  await session.query('BEGIN');
  await session.query("SELECT pg_advisory_xact_lock(hashtext('revoke:' || $1))", [approval.instanceCode]);
}

/** Starts `revocation(eventId)` on `store` while `session` holds the lock; resolves once it waits, with its backend's pid. */
export async function revocationWaiting(store: Store, session: pg.Client, eventId: string) {
  await holdRevocationLock(session);
  const revoking = store.recordRevocation(revocation(eventId));
  revoking.catch(() => undefined);
  const pid = await eventually(async () => {
    const rows = await session.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'");
    return rows.rows[0]?.pid;
  }, 'the store waiting for the lock');
  return { revoking, pid };
}
