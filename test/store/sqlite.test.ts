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
  it('uses WAL on a file and keeps what it committed across a reopen', async () => {
    const path = file();
    const store = openSqliteStore(path);
    expect((await store.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')]))).toBe('stored');
    await store.close();
    const reopened = openSqliteStore(path);
    expect((await reopened.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')]))).toBe('duplicate');
    expect((await reopened.deliveries())).toHaveLength(1);
    await reopened.close();
  });

  it('treats the same kind and instance_code under another id as a duplicate, but not a rejected one', async () => {
    const store = openSqliteStore(file());
    await store.recordEvent({ eventId: 'bad', eventType: 'shift_approval', kind: 'shift', status: 'rejected', reason: 'x', receivedAt: 1 }, []);
    expect((await store.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')]))).toBe('stored');
    expect((await store.recordEvent(accepted('e2', 'I1', 2), [dm('ou_1')]))).toBe('duplicate');
    expect((await store.recordEvent({ ...accepted('e3', 'I1', 3), kind: 'remedy' }, []))).toBe('stored');
    await store.close();
  });

  it('hands out due deliveries oldest first, skipping those in flight', async () => {
    const store = openSqliteStore(file());
    await store.recordEvent(accepted('e1', 'I1', 100), [dm('ou_1'), dm('ou_2'), dm('ou_3')]);
    const [first, second, third] = (await store.deliveries());
    await store.markAttempting(first!.id, 100);
    await store.markRetry(first!.id, 'boom', 500, 100);
    expect((await store.dueDeliveries(200, 10, new Set())).map((d) => d.receiveId)).toEqual(['ou_2', 'ou_3']);
    expect((await store.dueDeliveries(200, 10, new Set([second!.id]))).map((d) => d.receiveId)).toEqual(['ou_3']);
    expect((await store.dueDeliveries(600, 1, new Set([second!.id]))).map((d) => d.receiveId)).toEqual(['ou_3']);
    expect((await store.nextDueAt())).toBe(100);
    await store.markSent(second!.id, 'om_1', 200);
    await store.markAttempting(third!.id, 200);
    await store.markDead(third!.id, 'gone', 200);
    expect((await store.nextDueAt())).toBe(500);
    expect((await store.deliveries({ status: 'dead' }))[0]).toMatchObject({ lastError: 'gone', attempts: 1 });
    expect((await store.deliveries({ status: 'pending' }))[0]).toMatchObject({ lastError: 'boom', attempts: 1, nextAttemptAt: 500 });
    await store.close();
  });

  it('keeps dedupe keys for at least the retention period, and anything not yet delivered for good', async () => {
    const store = openSqliteStore(file());
    const now = 30 * DAY;
    await store.recordEvent(accepted('old-sent', 'I1', now - 8 * DAY), [dm('ou_1')]);
    await store.recordEvent(accepted('old-dead', 'I2', now - 8 * DAY), [dm('ou_2')]);
    await store.recordEvent(accepted('old-pending', 'I3', now - 8 * DAY), [dm('ou_3')]);
    await store.recordEvent(accepted('recent', 'I4', now - 6 * DAY), [dm('ou_4')]);
    const byId = new Map((await store.deliveries()).map((d) => [d.eventId, d.id]));
    await store.markSent(byId.get('old-sent')!, 'om', now);
    await store.markDead(byId.get('old-dead')!, 'x', now);
    await store.markSent(byId.get('recent')!, 'om', now);

    expect((await store.purgeBefore(now - 7 * DAY))).toBe(1);
    expect((await store.event('old-sent'))).toBeUndefined();
    for (const kept of ['old-dead', 'old-pending', 'recent']) expect((await store.event(kept))).toBeDefined();
    expect((await store.recordEvent(accepted('recent', 'I4', now), []))).toBe('duplicate');
    await store.close();
  });
});

describe('digests in the store', () => {
  const team = (chat: string, n: number) => ({ audience: 'team' as const, receiveIdType: 'chat_id' as const, receiveId: chat, uuid: `t-${n}` });

  it('finds backlogged chats and records a digest with its members, once', async () => {
    const store = openSqliteStore(file());
    for (let i = 1; i <= 7; i++) (await store.recordEvent(accepted(`e${i}`, `I${i}`, 10), [team('oc_a', i)]));
    await store.recordEvent(accepted('e8', 'I8', 10), [team('oc_b', 8)]);
    expect((await store.chatBacklogged('oc_a', 10, 6))).toBe(true);
    expect((await store.chatBacklogged('oc_a', 10, 8))).toBe(false);
    expect((await store.chatBacklogged('oc_b', 10, 6))).toBe(false);
    expect((await store.chatBacklogged('oc_a', 9, 1))).toBe(false); // not due yet

    const candidates = (await store.digestCandidates('oc_a', 10, 100));
    (await store.markAttempting(candidates[6]!.id, 10)); // attempted once: may have reached the chat, never digested
    const members = (await store.digestCandidates('oc_a', 10, 100));
    expect(members).toHaveLength(6);
    const digest = (await store.createDigest('oc_a', members.map((m) => m.id), 'digest-uuid', 10))!;
    expect(digest).toMatchObject({ audience: 'digest', eventId: null, receiveId: 'oc_a', uuid: 'digest-uuid', status: 'pending' });
    expect((await store.digestMembers(digest.id)).map((m) => m.status)).toEqual(Array(6).fill('digested'));
    // A member cannot be taken twice: a second digest over the same rows records nothing.
    expect((await store.createDigest('oc_a', members.map((m) => m.id), 'again', 10))).toBeUndefined();
    expect((await store.deliveries()).filter((d) => d.audience === 'digest')).toHaveLength(1);

    await store.markAttempting(digest.id, 11);
    await store.markSent(digest.id, 'om_digest', 12);
    expect((await store.digestMembers(digest.id)).every((m) => m.status === 'sent' && m.messageId === 'om_digest')).toBe(true);
    expect((await store.deliveries({ status: 'pending' })).map((d) => d.receiveId)).toEqual(['oc_a', 'oc_b']);
    await store.close();
  });

  it('re-queues dead deliveries with a fresh retry horizon', async () => {
    const store = openSqliteStore(file());
    await store.recordEvent(accepted('e1', 'I1', 10), [dm('ou_1'), dm('ou_2')]);
    const [a, b] = (await store.deliveries());
    await store.markDead(a!.id, 'x', 20);
    await store.markDead(b!.id, 'y', 20);
    expect((await store.requeue(a!.id, 1000))).toBe(true);
    expect((await store.requeue(a!.id, 1000))).toBe(false); // not dead any more
    expect((await store.delivery(a!.id))).toMatchObject({ status: 'pending', nextAttemptAt: 1000, retryFrom: 1000, createdAt: 10 });
    expect((await store.requeueAllDead(2000))).toBe(1);
    expect((await store.deliveries({ status: 'dead' }))).toEqual([]);
    await store.close();
  });
});
