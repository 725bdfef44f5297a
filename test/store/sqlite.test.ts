// The inbox/outbox on a real SQLite file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { NewEvent } from '../../src/store/store.js';

const DAY = 24 * 60 * 60_000;
const file = () => join(mkdtempSync(join(tmpdir(), 'store-')), 'bot.sqlite');

function accepted(eventId: string, instanceCode: string, receivedAt: number): NewEvent {
  return { eventId, eventType: 'shift_approval', kind: 'shift', instanceCode, status: 'accepted', payload: '{}', receivedAt };
}
const dm = (id: string) => ({ audience: 'employee' as const, receiveIdType: 'open_id' as const, receiveId: id, uuid: `u-${id}` });

describe('sqlite store', () => {
  it('uses WAL on a file and keeps what it committed across a reopen', () => {
    const path = file();
    const store = openSqliteStore(path);
    expect(store.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')])).toBe('stored');
    store.close();
    const reopened = openSqliteStore(path);
    expect(reopened.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')])).toBe('duplicate');
    expect(reopened.deliveries()).toHaveLength(1);
    reopened.close();
  });

  it('treats the same kind and instance_code under another id as a duplicate, but not a rejected one', () => {
    const store = openSqliteStore(file());
    store.recordEvent({ eventId: 'bad', eventType: 'shift_approval', kind: 'shift', status: 'rejected', reason: 'x', receivedAt: 1 }, []);
    expect(store.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')])).toBe('stored');
    expect(store.recordEvent(accepted('e2', 'I1', 2), [dm('ou_1')])).toBe('duplicate');
    expect(store.recordEvent({ ...accepted('e3', 'I1', 3), kind: 'remedy' }, [])).toBe('stored');
    store.close();
  });

  it('hands out due deliveries oldest first, skipping those in flight', () => {
    const store = openSqliteStore(file());
    store.recordEvent(accepted('e1', 'I1', 100), [dm('ou_1'), dm('ou_2'), dm('ou_3')]);
    const [first, second, third] = store.deliveries();
    store.markAttempting(first!.id, 100);
    store.markRetry(first!.id, 'boom', 500, 100);
    expect(store.dueDeliveries(200, 10, new Set()).map((d) => d.receiveId)).toEqual(['ou_2', 'ou_3']);
    expect(store.dueDeliveries(200, 10, new Set([second!.id])).map((d) => d.receiveId)).toEqual(['ou_3']);
    expect(store.dueDeliveries(600, 1, new Set([second!.id])).map((d) => d.receiveId)).toEqual(['ou_3']);
    expect(store.nextDueAt()).toBe(100);
    store.markSent(second!.id, 'om_1', 200);
    store.markAttempting(third!.id, 200);
    store.markDead(third!.id, 'gone', 200);
    expect(store.nextDueAt()).toBe(500);
    expect(store.deliveries({ status: 'dead' })[0]).toMatchObject({ lastError: 'gone', attempts: 1 });
    expect(store.deliveries({ status: 'pending' })[0]).toMatchObject({ lastError: 'boom', attempts: 1, nextAttemptAt: 500 });
    store.close();
  });

  it('keeps dedupe keys for at least the retention period, and anything not yet delivered for good', () => {
    const store = openSqliteStore(file());
    const now = 30 * DAY;
    store.recordEvent(accepted('old-sent', 'I1', now - 8 * DAY), [dm('ou_1')]);
    store.recordEvent(accepted('old-dead', 'I2', now - 8 * DAY), [dm('ou_2')]);
    store.recordEvent(accepted('old-pending', 'I3', now - 8 * DAY), [dm('ou_3')]);
    store.recordEvent(accepted('recent', 'I4', now - 6 * DAY), [dm('ou_4')]);
    const byId = new Map(store.deliveries().map((d) => [d.eventId, d.id]));
    store.markSent(byId.get('old-sent')!, 'om', now);
    store.markDead(byId.get('old-dead')!, 'x', now);
    store.markSent(byId.get('recent')!, 'om', now);

    expect(store.purgeBefore(now - 7 * DAY)).toBe(1);
    expect(store.event('old-sent')).toBeUndefined();
    for (const kept of ['old-dead', 'old-pending', 'recent']) expect(store.event(kept)).toBeDefined();
    expect(store.recordEvent(accepted('recent', 'I4', now), [])).toBe('duplicate');
    store.close();
  });
});

describe('digests in the store', () => {
  const team = (chat: string, n: number) => ({ audience: 'team' as const, receiveIdType: 'chat_id' as const, receiveId: chat, uuid: `t-${n}` });

  it('finds backlogged chats and records a digest with its members, once', () => {
    const store = openSqliteStore(file());
    for (let i = 1; i <= 7; i++) store.recordEvent(accepted(`e${i}`, `I${i}`, 10), [team('oc_a', i)]);
    store.recordEvent(accepted('e8', 'I8', 10), [team('oc_b', 8)]);
    expect(store.chatBacklogged('oc_a', 10, 6)).toBe(true);
    expect(store.chatBacklogged('oc_a', 10, 8)).toBe(false);
    expect(store.chatBacklogged('oc_b', 10, 6)).toBe(false);
    expect(store.chatBacklogged('oc_a', 9, 1)).toBe(false); // not due yet

    const candidates = store.digestCandidates('oc_a', 10, 100);
    store.markAttempting(candidates[6]!.id, 10); // attempted once: may have reached the chat, never digested
    const members = store.digestCandidates('oc_a', 10, 100);
    expect(members).toHaveLength(6);
    const digest = store.createDigest('oc_a', members.map((m) => m.id), 'digest-uuid', 10)!;
    expect(digest).toMatchObject({ audience: 'digest', eventId: null, receiveId: 'oc_a', uuid: 'digest-uuid', status: 'pending' });
    expect(store.digestMembers(digest.id).map((m) => m.status)).toEqual(Array(6).fill('digested'));
    // A member cannot be taken twice: a second digest over the same rows records nothing.
    expect(store.createDigest('oc_a', members.map((m) => m.id), 'again', 10)).toBeUndefined();
    expect(store.deliveries().filter((d) => d.audience === 'digest')).toHaveLength(1);

    store.markAttempting(digest.id, 11);
    store.markSent(digest.id, 'om_digest', 12);
    expect(store.digestMembers(digest.id).every((m) => m.status === 'sent' && m.messageId === 'om_digest')).toBe(true);
    expect(store.deliveries({ status: 'pending' }).map((d) => d.receiveId)).toEqual(['oc_a', 'oc_b']);
    store.close();
  });

  it('re-queues dead deliveries with a fresh retry horizon', () => {
    const store = openSqliteStore(file());
    store.recordEvent(accepted('e1', 'I1', 10), [dm('ou_1'), dm('ou_2')]);
    const [a, b] = store.deliveries();
    store.markDead(a!.id, 'x', 20);
    store.markDead(b!.id, 'y', 20);
    expect(store.requeue(a!.id, 1000)).toBe(true);
    expect(store.requeue(a!.id, 1000)).toBe(false); // not dead any more
    expect(store.delivery(a!.id)).toMatchObject({ status: 'pending', nextAttemptAt: 1000, retryFrom: 1000, createdAt: 10 });
    expect(store.requeueAllDead(2000)).toBe(1);
    expect(store.deliveries({ status: 'dead' })).toEqual([]);
    store.close();
  });
});
