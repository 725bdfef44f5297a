// Revocations in the store, on both stores: what a revocation does to each delivery of the
// approval it revokes, in one transaction, and what arrives around it.
import { describe, expect, it } from 'vitest';
import { CANCELLED_BEFORE_ROUTING, CANCELLED_BEFORE_SEND } from '../../src/store/revocation-plan.js';
import type { NewDelivery, NewEvent, Store } from '../../src/store/store.js';
import { BACKENDS, freshStores } from '../support/store-backends.js';

const approval = (eventId: string, instanceCode: string, kind: NewEvent['kind'] = 'leave'): NewEvent => ({
  eventId,
  eventType: 'leave_approvalV2',
  kind,
  instanceCode,
  status: 'accepted',
  payload: '{}',
  receivedAt: 1000,
});
const revocation = (eventId: string, instanceCode: string, kind?: NewEvent['kind']): NewEvent => ({
  eventId,
  eventType: kind ? 'leave_approval_revert' : 'approval_instance',
  ...(kind ? { kind } : {}),
  instanceCode,
  status: 'accepted',
  action: 'revoke',
  payload: '{}',
  receivedAt: 5000,
});
const dm: NewDelivery = { audience: 'employee', receiveIdType: 'open_id', receiveId: 'ou_1', uuid: 'u-dm' };
const team = (chat: string): NewDelivery => ({ audience: 'team', receiveIdType: 'chat_id', receiveId: chat, uuid: `u-${chat}` });

async function sent(store: Store, eventId: string) {
  for (const d of await store.deliveries({ eventId })) {
    await store.markAttempting(d.id, 2000);
    await store.markSent(d.id, `om_${d.id}`, 2001);
  }
}
const byId = async (store: Store, eventId: string) => Object.fromEntries((await store.deliveries({ eventId })).map((d) => [d.receiveId, d]));

for (const backend of BACKENDS) {
  const fresh = freshStores(backend);

  describe(`${backend.name}: a revocation`, () => {
    it('after the cards were sent: records one edit per sent card, and marks the approval revoked', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [dm, team('oc_1')]);
      await sent(store, 'a1');
      expect(await store.recordRevocation(revocation('r1', 'I1', 'leave'))).toEqual({ result: 'stored', outcome: 'revoked', approvalEventId: 'a1', cancelled: 0, edits: 2 });
      const cards = await byId(store, 'a1');
      const edits = await store.deliveries({ eventId: 'r1' });
      expect(edits.map((e) => [e.audience, e.status, e.targetId, e.receiveId]).sort()).toEqual(
        [
          ['edit', 'pending', cards.ou_1!.id, 'ou_1'],
          ['edit', 'pending', cards.oc_1!.id, 'oc_1'],
        ].sort(),
      );
      expect(Object.values(cards).map((c) => c.revokedBy)).toEqual(['r1', 'r1']);
      expect(await store.event('a1')).toMatchObject({ revokedBy: 'r1', action: 'approve' });
      expect(await store.event('r1')).toMatchObject({ status: 'accepted', action: 'revoke', instanceCode: 'I1' });
    });

    it('before the cards were sent: cancels them, and a send that comes up afterwards is refused', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [dm, team('oc_1')]);
      expect(await store.recordRevocation(revocation('r1', 'I1', 'leave'))).toMatchObject({ outcome: 'revoked', cancelled: 2, edits: 0 });
      const cards = await store.deliveries({ eventId: 'a1' });
      expect(cards.map((c) => [c.status, c.lastError])).toEqual([
        ['cancelled', CANCELLED_BEFORE_SEND],
        ['cancelled', CANCELLED_BEFORE_SEND],
      ]);
      expect(await store.markAttempting(cards[0]!.id, 6000)).toBe(false);
      expect(await store.dueDeliveries(10_000, 10, new Set())).toEqual([]);
      expect((await store.outboxStats()).pending).toBe(0);
    });

    it('of a card whose send started but did not finish: edits it once it is sent (it may be at Feishu already)', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [dm]);
      const [card] = await store.deliveries({ eventId: 'a1' });
      expect(await store.markAttempting(card!.id, 2000)).toBe(true);
      expect(await store.recordRevocation(revocation('r1', 'I1', 'leave'))).toMatchObject({ cancelled: 0, edits: 1 });
      expect((await store.delivery(card!.id))!.status).toBe('pending');
      expect((await store.deliveries({ eventId: 'r1' }))[0]).toMatchObject({ audience: 'edit', targetId: card!.id });
    });

    it('of a card carried by a digest: edits the digest', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [team('oc_1')]);
      await store.recordEvent(approval('a2', 'I2'), [team('oc_1')]);
      const members = await store.digestCandidates('oc_1', 2000, 10);
      const digest = (await store.createDigest('oc_1', members.map((m) => m.id), 'u-digest', 2000))!;
      await store.markAttempting(digest.id, 2000);
      await store.markSent(digest.id, 'om_digest', 2001);
      expect(await store.recordRevocation(revocation('r1', 'I1', 'leave'))).toMatchObject({ edits: 1, cancelled: 0 });
      expect((await store.deliveries({ eventId: 'r1' }))[0]).toMatchObject({ audience: 'edit', targetId: digest.id, receiveId: 'oc_1' });
      expect((await store.digestMembers(digest.id)).map((m) => m.revokedBy)).toEqual(['r1', null]);
    });

    it('before the team chats were decided: cancels the route row, and its decision is then refused', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [dm, { audience: 'route', receiveIdType: 'chat_id', receiveId: 'team chats', uuid: 'route:a1' }]);
      const route = (await store.deliveries({ eventId: 'a1' })).find((d) => d.audience === 'route')!;
      await store.markAttempting(route.id, 2000); // a lookup under way
      expect(await store.recordRevocation(revocation('r1', 'I1', 'leave'))).toMatchObject({ cancelled: 2 });
      expect((await store.delivery(route.id))!).toMatchObject({ status: 'cancelled', lastError: CANCELLED_BEFORE_ROUTING });
      expect(await store.recordRouting(route.id, [team('oc_1')], 'oc_1: member', null, 6000)).toBe(false);
      expect((await store.deliveries({ eventId: 'a1' })).map((d) => d.receiveId).sort()).toEqual(['ou_1', 'team chats']);
    });

    it('leaves dead and digested-then-dead cards alone: nothing reached anyone', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [dm]);
      const [card] = await store.deliveries({ eventId: 'a1' });
      await store.markAttempting(card!.id, 2000);
      await store.markDead(card!.id, 'code 230013', 2001);
      expect(await store.recordRevocation(revocation('r1', 'I1', 'leave'))).toMatchObject({ outcome: 'revoked', cancelled: 0, edits: 0 });
      expect((await store.delivery(card!.id))!.status).toBe('dead');
    });

    it('of an instance never seen: is kept as ignored, and an approval arriving after it sends nothing', async () => {
      const { store } = await fresh();
      expect(await store.recordRevocation(revocation('r1', 'I9', 'leave'))).toEqual({ result: 'stored', outcome: 'unknown' });
      expect(await store.event('r1')).toMatchObject({ status: 'ignored', action: 'revoke', reason: expect.stringContaining('I9') });
      expect(await store.recordEvent(approval('a9', 'I9'), [dm])).toBe('revoked');
      expect(await store.event('a9')).toMatchObject({ status: 'ignored', reason: expect.stringContaining('r1') });
      expect(await store.deliveries()).toEqual([]);
      // In a batch too (group commit: leave_approval and leave_approvalV2 of one instance), beside an approval that goes ahead.
      expect(await store.recordEvents([{ event: approval('a9b', 'I9'), deliveries: [dm] }, { event: approval('a8', 'I8'), deliveries: [dm] }])).toEqual(['revoked', 'stored']);
      expect((await store.deliveries()).map((d) => d.eventId)).toEqual(['a8']);
    });

    it('is stored once: the same event again, or another revert of the same instance, is a duplicate', async () => {
      const { store, open } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [dm]);
      await sent(store, 'a1');
      const other = await open(); // a second instance
      const results = await Promise.all([store.recordRevocation(revocation('r1', 'I1', 'leave')), other.recordRevocation(revocation('r1', 'I1', 'leave'))]);
      expect(results.map((r) => r.result).sort()).toEqual(['duplicate', 'stored']);
      expect(await store.recordRevocation(revocation('r2', 'I1'))).toEqual({ result: 'duplicate' });
      expect(await store.deliveries({ eventId: 'r1' })).toHaveLength(1);
    });

    it('names its kind, or none: a kind-less revocation (approval_instance) revokes the instance whatever its kind', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1', 'remedy'), [dm]);
      expect(await store.recordRevocation(revocation('r1', 'I1', 'leave'))).toEqual({ result: 'stored', outcome: 'unknown' });
      expect(await store.recordRevocation(revocation('r2', 'I1'))).toMatchObject({ outcome: 'revoked', approvalEventId: 'a1', cancelled: 1 });
    });

    it('keeps a revocation while an edit of it waits, and lists edits and cancellations', async () => {
      const { store } = await fresh();
      await store.recordEvent(approval('a1', 'I1'), [dm]);
      await sent(store, 'a1');
      await store.recordRevocation(revocation('r1', 'I1', 'leave'));
      // The approval's card is sent, but its edit waits: neither goes.
      expect(await store.purgeBefore(1_000_000, 100)).toEqual({ events: 0, more: false });
      expect(await store.event('a1')).toBeDefined();
      expect(await store.deliveries({ status: 'pending' })).toHaveLength(1);
      const [edit] = await store.deliveries({ eventId: 'r1' });
      await store.markCancelled(edit!.id, 'the card was never delivered', 6000);
      expect(await store.deliveries({ status: 'cancelled' })).toHaveLength(1);
      // Once the edit is done, both go when their time comes.
      expect(await store.purgeBefore(1_000_000, 100)).toEqual({ events: 2, more: false });
    });
  });
}
