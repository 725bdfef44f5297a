// The store's contract: the same specification, run against a real SQLite file and a real
// PostgreSQL database (the server of test/support/postgres-server.ts).
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/store/store.js';
import { BACKENDS, freshStores } from '../support/store-backends.js';
import { chatChangePayload } from '../../src/store/chat-changes.js';

const DAY = 24 * 60 * 60_000;

for (const backend of BACKENDS) {
  const fresh = freshStores(backend);

function accepted(eventId: string, instanceCode: string, receivedAt: number): NewEvent {
  return { eventId, eventType: 'shift_approval', kind: 'shift', instanceCode, status: 'accepted', payload: '{}', receivedAt };
}
const dm = (id: string) => ({ audience: 'employee' as const, receiveIdType: 'open_id' as const, receiveId: id, uuid: `u-${id}` });

describe(`${backend.name} store`, () => {
  it('keeps what it committed across a reopen', async () => {
    const { store, open } = await fresh();
    expect((await store.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')]))).toBe('stored');
    await store.close();
    const reopened = await open();
    expect((await reopened.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')]))).toBe('duplicate');
    expect((await reopened.deliveries())).toHaveLength(1);
    await reopened.close();
  });

  it('treats the same kind and instance_code under another id as a duplicate, but not a rejected one', async () => {
    const { store } = await fresh();
    await store.recordEvent({ eventId: 'bad', eventType: 'shift_approval', kind: 'shift', status: 'rejected', reason: 'x', receivedAt: 1 }, []);
    expect((await store.recordEvent(accepted('e1', 'I1', 1), [dm('ou_1')]))).toBe('stored');
    expect((await store.recordEvent(accepted('e2', 'I1', 2), [dm('ou_1')]))).toBe('duplicate');
    expect((await store.recordEvent({ ...accepted('e3', 'I1', 3), kind: 'remedy' }, []))).toBe('stored');
    await store.close();
  });

  it('hands out due deliveries oldest first, skipping those in flight', async () => {
    const { store } = await fresh();
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
    const { store } = await fresh();
    const now = 30 * DAY;
    await store.recordEvent(accepted('old-sent', 'I1', now - 8 * DAY), [dm('ou_1')]);
    await store.recordEvent(accepted('old-dead', 'I2', now - 8 * DAY), [dm('ou_2')]);
    await store.recordEvent(accepted('old-pending', 'I3', now - 8 * DAY), [dm('ou_3')]);
    await store.recordEvent(accepted('recent', 'I4', now - 6 * DAY), [dm('ou_4')]);
    const byId = new Map((await store.deliveries()).map((d) => [d.eventId, d.id]));
    await store.markSent(byId.get('old-sent')!, 'om', now);
    await store.markDead(byId.get('old-dead')!, 'x', now);
    await store.markSent(byId.get('recent')!, 'om', now);

    expect((await store.purgeBefore(now - 7 * DAY, 100))).toEqual({ events: 1, more: false });
    expect((await store.event('old-sent'))).toBeUndefined();
    for (const kept of ['old-dead', 'old-pending', 'recent']) expect((await store.event(kept))).toBeDefined();
    expect((await store.recordEvent(accepted('recent', 'I4', now), []))).toBe('duplicate');
    await store.close();
  });

  it('purges at most as many events as asked, oldest first, and says whether there may be more', async () => {
    const { store } = await fresh();
    const now = 30 * DAY;
    for (const [i, age] of [9, 12, 10].entries()) await store.recordEvent(accepted(`old-${age}`, `I${i}`, now - age * DAY), []);
    await store.recordEvent(accepted('recent', 'I9', now - DAY), []);
    expect(await store.purgeBefore(now - 7 * DAY, 2)).toEqual({ events: 2, more: true });
    expect(await store.event('old-12')).toBeUndefined();
    expect(await store.event('old-10')).toBeUndefined();
    expect(await store.event('old-9')).toBeDefined();
    expect(await store.purgeBefore(now - 7 * DAY, 2)).toEqual({ events: 1, more: false });
    expect(await store.event('old-9')).toBeUndefined();
    expect(await store.event('recent')).toBeDefined();
    await store.close();
  });
});

describe(`${backend.name}: chat membership changes in the store`, () => {
  const membership = (eventId: string, type: string, chatId: string | undefined, receivedAt: number): NewEvent => ({
    eventId,
    eventType: type,
    status: 'ignored',
    reason: 'chat membership changed',
    ...(chatId ? { payload: chatChangePayload(chatId) } : {}),
    receivedAt,
  });

  it('gives the chats whose members changed after a time, oldest first, to any instance on the database', async () => {
    const { store, open } = await fresh();
    await store.recordEvents([
      { event: membership('m1', 'im.chat.member.user.added_v1', 'oc_a', 100), deliveries: [] },
      { event: membership('m2', 'im.chat.member.bot.deleted_v1', 'oc_b', 300), deliveries: [] },
      { event: membership('m3', 'im.chat.disbanded_v1', 'oc_c', 200), deliveries: [] },
      { event: membership('m4', 'im.chat.member.user.withdrawn_v1', undefined, 250), deliveries: [] }, // no chat: nothing to drop
      { event: { ...accepted('e1', 'I1', 150) }, deliveries: [dm('ou_1')] }, // not a membership event
      { event: { ...membership('x1', 'contact.user.updated_v3', 'oc_x', 260) }, deliveries: [] },
    ]);
    const other = backend.name === 'postgres' ? await open() : store; // another instance's connection
    expect(await other.chatChangesSince(100)).toEqual([
      { eventId: 'm3', chatId: 'oc_c', at: 200 },
      { eventId: 'm2', chatId: 'oc_b', at: 300 },
    ]);
    expect(await other.chatChangesSince(0)).toHaveLength(3);
    expect(await other.chatChangesSince(300)).toEqual([]);
    if (other !== store) await other.close();
    await store.close();
  });
});

describe(`${backend.name}: digests in the store`, () => {
  const team = (chat: string, n: number) => ({ audience: 'team' as const, receiveIdType: 'chat_id' as const, receiveId: chat, uuid: `t-${n}` });

  it('finds backlogged chats and records a digest with its members, once', async () => {
    const { store } = await fresh();
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
    const { store } = await fresh();
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

describe(`${backend.name}: what several instances and group commit rely on`, () => {
  it('stores a batch in one call: the first of repeated event ids, nothing twice for a business key', async () => {
    const { store } = await fresh();
    const results = await store.recordEvents([
      { event: accepted('e1', 'I1', 1), deliveries: [dm('ou_1')] },
      { event: accepted('e1', 'I1', 1), deliveries: [dm('ou_1')] },
      { event: accepted('e2', 'I1', 2), deliveries: [dm('ou_2')] }, // same approval, another event id
      { event: accepted('e3', 'I3', 3), deliveries: [dm('ou_3'), dm('ou_4')] },
    ]);
    expect(results).toEqual(['stored', 'duplicate', 'duplicate', 'stored']);
    expect((await store.deliveries()).map((d) => `${d.eventId}:${d.receiveId}`)).toEqual(['e1:ou_1', 'e3:ou_3', 'e3:ou_4']);
  });

  it('stores an event pushed to two instances at the same moment once', async () => {
    const { store, open } = await fresh();
    const other = await open();
    for (let i = 0; i < 20; i++) {
      const [a, b] = await Promise.all([
        store.recordEvent(accepted(`race-${i}`, `R${i}`, i), [dm(`ou_${i}`)]),
        other.recordEvent(accepted(`race-${i}`, `R${i}`, i), [dm(`ou_${i}`)]),
      ]);
      expect([a, b].sort()).toEqual(['duplicate', 'stored']);
    }
    expect(await other.deliveries()).toHaveLength(20);
  });

  it('records a team-routing decision and its deliveries together, once', async () => {
    const { store } = await fresh();
    const route = { audience: 'route' as const, receiveIdType: 'chat_id' as const, receiveId: 'team chats', uuid: 'route:e1' };
    await store.recordEvent(accepted('e1', 'I1', 10), [dm('ou_1'), route]);
    const routeRow = (await store.deliveries()).find((d) => d.audience === 'route')!;
    const team = { audience: 'team' as const, receiveIdType: 'chat_id' as const, receiveId: 'oc_a', uuid: 't-a', decision: 'member of the chat' };
    expect(await store.recordRouting(routeRow.id, [team], 'oc_a: sent (member of the chat)', null, 20)).toBe(true);
    expect(await store.recordRouting(routeRow.id, [team], 'again', null, 21)).toBe(false); // decided already: nothing written
    expect(await store.delivery(routeRow.id)).toMatchObject({ status: 'sent', decision: 'oc_a: sent (member of the chat)' });
    const teams = (await store.deliveries()).filter((d) => d.audience === 'team');
    expect(teams).toEqual([expect.objectContaining({ eventId: 'e1', receiveId: 'oc_a', status: 'pending', decision: 'member of the chat', createdAt: 20, instanceCode: 'I1' })]);

    // A refused scope: what could be decided goes out, the route row is dead with the reason.
    await store.recordEvent(accepted('e2', 'I2', 30), [{ ...route, uuid: 'route:e2' }]);
    const second = (await store.deliveries()).find((d) => d.audience === 'route' && d.eventId === 'e2')!;
    expect(await store.recordRouting(second.id, [], 'oc_a: not sent (unknown: missing scope x)', 'missing scope x', 40)).toBe(true);
    expect(await store.delivery(second.id)).toMatchObject({ status: 'dead', lastError: 'missing scope x' });
    expect(await store.requeue(second.id, 50)).toBe(true);
  });

  it('remembers recent send attempts for the rate limits, not route rows, and sums up the outbox', async () => {
    const { store } = await fresh();
    const route = { audience: 'route' as const, receiveIdType: 'chat_id' as const, receiveId: 'team chats', uuid: 'route:e1' };
    await store.recordEvent(accepted('e1', 'I1', 100), [dm('ou_1'), dm('ou_2'), route]);
    const [a, b, r] = await store.deliveries();
    await store.markAttempting(a!.id, 200);
    await store.markAttempting(r!.id, 210);
    await store.markDead(b!.id, 'x', 220);
    expect(await store.recentAttempts(150)).toEqual([{ receiveIdType: 'open_id', receiveId: 'ou_1', at: 200 }]);
    expect(await store.outboxStats()).toEqual({ pending: 2, dead: 1, oldestPendingCreatedAt: 100 });
    await expect(store.checkWritable()).resolves.toBeUndefined();
  });
});
}
