// Revocations end to end: approvals and their revert events, encrypted and signed, posted to the
// running bot over HTTP; the sandbox Open Platform holds the cards and their edits (PATCH through
// the real SDK). A revocation changes what was sent and sends nothing new.
import { afterEach, describe, expect, it } from 'vitest';
import { leaveSeedEvent, outSeedEvent, overtimeSeedEvent, remedySeedEvent, revertSeedEvent } from '../../src/sandbox/seed-events.js';
import type { SandboxMessage } from '../../src/sandbox/open-platform.js';
import { APP, eventually, sleep, startHarness, titles, type Harness, type HarnessOptions } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };
let h: Harness;
afterEach(async () => h?.close());

const start = async (options: HarnessOptions = {}) => (h = await startHarness(options));
const post = async (event: unknown) => {
  const response = await h.push(event);
  expect(response.status).toBe(200);
  return ((await response.json()) as { outcome: string }).outcome;
};
const revoked = (m: SandboxMessage) => (m.card.header as { template: string }).template === 'grey' && titles(m.card).zh.startsWith('已撤销');
const leave = (code: string, fields: Record<string, unknown> = {}) => leaveSeedEvent(identity, { instance_code: code, ...fields });

describe('a revocation', () => {
  it('after the cards were sent: edits the DM and the team card in place, and sends nothing new', async () => {
    await start();
    expect(await post(leave('I-1'))).toBe('accepted');
    const sent = await h.sandbox.waitForMessages(2);
    expect(sent.some(revoked)).toBe(false);

    expect(await post(revertSeedEvent('leave', identity, { instance_code: 'I-1' }))).toBe('accepted');
    const edited = await h.sandbox.untilEdited(2);
    expect(edited.map((m) => m.messageId).sort()).toEqual(sent.map((m) => m.messageId).sort());
    for (const message of edited) {
      expect(revoked(message)).toBe(true);
      expect(message.edits).toBe(1);
    }
    expect(titles(edited[0]!.card).en).toMatch(/^Revoked: /);
    const rows = await eventually(async () => {
      const edits = (await h.bot.store.deliveries()).filter((d) => d.audience === 'edit');
      return edits.length === 2 && edits.every((d) => d.status === 'sent') && edits;
    }, 'both edits recorded as sent');
    expect(rows.map((r) => r.messageId).sort()).toEqual(sent.map((m) => m.messageId).sort());
    await sleep(200);
    expect(h.sandbox.messages).toHaveLength(2);
  });

  it('before the cards were sent: cancels them, so nothing about the approval reaches anyone', async () => {
    // One send per second to the employee and to the chat: the second leave waits its turn.
    await start({ env: { RATE_LIMIT_USER_PER_SECOND: '1', RATE_LIMIT_CHAT_PER_SECOND: '1' } });
    await post(leave('I-first'));
    await h.sandbox.waitForMessages(2);
    await post(leave('I-second', { leave_reason: 'second' }));
    expect(await post(revertSeedEvent('leave', identity, { instance_code: 'I-second' }))).toBe('accepted');
    const cards = await eventually(async () => {
      const rows = (await h.bot.store.deliveries()).filter((d) => d.instanceCode === 'I-second');
      return rows.length === 2 && rows.every((d) => d.status === 'cancelled') && rows;
    }, 'the second leave cancelled');
    expect(cards.every((c) => c.attempts === 0)).toBe(true);
    await sleep(1500); // past the slot the second leave would have had
    expect(h.sandbox.messages).toHaveLength(2);
    expect(h.sandbox.stats.editRequests).toBe(0);
  });

  it('of a card carried by a digest: edits the digest, marking only that approval revoked', async () => {
    await start({ env: { DIGEST_THRESHOLD: '2', RATE_LIMIT_CHAT_PER_SECOND: '1' } });
    // The first card takes the chat's slot; the next ones pile up behind it and go as one digest.
    for (const code of ['D-0', 'D-1', 'D-2', 'D-3']) await post(overtimeSeedEvent(identity, { instance_code: code, open_id: `ou_${code}` }));
    const digest = await eventually(
      () => h.sandbox.messages.find((m) => m.receiveIdType === 'chat_id' && JSON.stringify(m.card).includes('D-3') && JSON.stringify(m.card).includes('D-2')),
      'a digest in the team chat',
    );
    await post(revertSeedEvent('overtime', identity, { instance_code: 'D-2' }));
    const [edited] = await h.sandbox.untilEdited(2); // the DM of D-2 and the digest
    const after = h.sandbox.messages.find((m) => m.messageId === digest.messageId)!;
    expect(after.edits).toBe(1);
    const text = JSON.stringify(after.card);
    expect(text).toContain('~~');
    expect(text).toMatch(/已撤销|Revoked/);
    expect(edited).toBeDefined();
    // D-3's row is not revoked: only one row carries the marker.
    const rows = (after.card.body as { elements: Array<{ tag: string; i18n_content?: { en_us: string } }> }).elements.filter((e) => e.tag === 'markdown');
    expect(rows.filter((r) => /Revoked/.test(r.i18n_content?.en_us ?? '')).length).toBe(1);
    expect(rows.find((r) => /Revoked/.test(r.i18n_content?.en_us ?? ''))!.i18n_content!.en_us).toContain('D-2');
  });

  it('of an instance never seen: is kept and ignored; the approval arriving after it sends nothing', async () => {
    await start();
    expect(await post(revertSeedEvent('out', { ...identity, eventId: 'ev_revert_o9' }, { instance_code: 'O-9' }))).toBe('ignored');
    expect(await post(outSeedEvent({ ...identity, eventId: 'ev_out_o9' }, { instance_code: 'O-9' }))).toBe('ignored');
    const why = 'revoked (revocation ev_revert_o9) before this approval arrived: no card is sent';
    expect(await h.bot.store.event('ev_out_o9')).toMatchObject({ status: 'ignored', reason: why });
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.eventId === 'ev_out_o9');
    expect(line).toMatchObject({ msg: 'event ignored', reason: why }); // the log names the revocation as the store does
    const events = await h.bot.store.deliveries();
    expect(events).toEqual([]);
    await sleep(200);
    expect(h.sandbox.messages).toHaveLength(0);
  });

  it('twice (the same push again): edits each card once', async () => {
    await start();
    await post(leave('I-2'));
    await h.sandbox.waitForMessages(2);
    const revert = revertSeedEvent('leave', identity, { instance_code: 'I-2' });
    expect(await post(revert)).toBe('accepted');
    expect(await post(revert)).toBe('duplicate');
    expect(await post(revertSeedEvent('leave', identity, { instance_code: 'I-2' }))).toBe('duplicate');
    await h.sandbox.untilEdited(2);
    await sleep(300);
    expect(h.sandbox.stats.editRequests).toBe(2);
  });

  it('of a kind without a revert event (补卡): comes as approval_instance REVERTED and edits its cards', async () => {
    await start();
    await post(remedySeedEvent(identity, { instance_code: 'R-1' }));
    await h.sandbox.waitForMessages(2);
    expect(await post(revertSeedEvent('remedy', identity, { instance_code: 'R-1', status: 'APPROVED' }))).toBe('ignored');
    expect(await post(revertSeedEvent('remedy', identity, { instance_code: 'R-1' }))).toBe('accepted');
    const edited = await h.sandbox.untilEdited(2);
    expect(edited.every(revoked)).toBe(true);
  });

  it('of a card Feishu will not edit any more (recalled): that edit is dead with its code; the others go on', async () => {
    await start();
    await post(leave('I-3'));
    const sent = await h.sandbox.waitForMessages(2);
    const dm = sent.find((m) => m.receiveIdType !== 'chat_id')!;
    h.sandbox.recallMessage(dm.messageId);
    await post(revertSeedEvent('leave', identity, { instance_code: 'I-3' }));
    const [team] = await h.sandbox.untilEdited(1);
    expect(team!.receiveIdType).toBe('chat_id');
    const dead = await eventually(async () => (await h.bot.store.deliveries({ status: 'dead' }))[0], 'the DM edit dead');
    expect(dead).toMatchObject({ audience: 'edit', lastError: expect.stringContaining('230011') });
    expect(dead.lastError).toContain('recalled');
  });

  it('edits a card whose send answer was lost: the resend with its uuid gives back the original message id', async () => {
    await start();
    // Every send reaches the chat, but its answer is lost (a dropped connection), until cleared.
    h.sandbox.setChaos({ rate: 1, modes: ['drop'], sentBeforeLoss: 1 });
    await post(leave('I-4'));
    const originals = await h.sandbox.waitForMessages(2);
    h.sandbox.setChaos(undefined);
    const cards = await eventually(async () => {
      const rows = (await h.bot.store.deliveries()).filter((d) => d.instanceCode === 'I-4');
      return rows.length === 2 && rows.every((d) => d.status === 'sent') && rows;
    }, 'both cards sent on a retry');
    expect(h.sandbox.stats.resendsAbsorbed).toBeGreaterThanOrEqual(2);
    expect(cards.map((c) => c.messageId).sort()).toEqual(originals.map((m) => m.messageId).sort());
    await post(revertSeedEvent('leave', identity, { instance_code: 'I-4' }));
    const edited = await h.sandbox.untilEdited(2);
    expect(edited.every(revoked)).toBe(true);
    expect(h.sandbox.messages).toHaveLength(2);
  });

  it('survives a restart while its edits are failing: after it, each card is edited, once', async () => {
    await start();
    await post(leave('I-5'));
    await h.sandbox.waitForMessages(2);
    h.sandbox.fail({ method: 'edit', httpStatus: 500, code: 0, msg: 'busy' });
    await post(revertSeedEvent('leave', identity, { instance_code: 'I-5' }));
    await eventually(() => h.sandbox.stats.editRequests >= 2, 'edits tried and refused');
    await h.restart();
    h.sandbox.clearFaults();
    const edited = await h.sandbox.untilEdited(2);
    expect(edited.every((m) => m.edits === 1 && revoked(m))).toBe(true);
    await eventually(async () => (await h.bot.store.deliveries()).filter((d) => d.audience === 'edit' && d.status === 'sent').length === 2, 'edits recorded');
    expect(h.sandbox.messages).toHaveLength(2);
  });

  it('rejects a malformed revert with a reason, and keeps it', async () => {
    await start();
    expect(await post(revertSeedEvent('leave', identity, { instance_code: 42 }))).toBe('rejected');
    expect(await post(revertSeedEvent('leave', identity, { instance_code: 'x'.repeat(500) }))).toBe('rejected');
    const revert = revertSeedEvent('leave', identity, { instance_code: '' });
    expect(await post(revert)).toBe('rejected');
    expect(await h.bot.store.event(revert.uuid)).toMatchObject({ status: 'rejected', reason: 'instance_code is missing or not a non-empty string', payload: expect.stringContaining('leave_approval_revert') });
  });
});
