// Monday morning: hundreds of approvals at once against a sandbox that enforces Feishu's limits.
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { burst, codeOf, pushAll, sightings } from '../support/burst.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function expectEachOnce(messages: Harness['sandbox']['messages'], count: number) {
  const { dm, chat } = sightings(messages);
  const wrong = Array.from({ length: count }, (_, i) => codeOf(i)).filter((c) => dm.get(c) !== 1 || chat.get(c) !== 1);
  expect(wrong.map((c) => `${c}: dm ${dm.get(c) ?? 0}, chat ${chat.get(c) ?? 0}`)).toEqual([]);
  expect(dm.size).toBe(count);
  expect(chat.size).toBe(count);
}

const allDone = (h: Harness) => async () => (await h.bot.store.deliveries()).every((d) => d.status === 'sent');

describe('bursts', () => {
  it('300 approvals for 50 employees and one chat: zero limit errors, each once in the chat and once in a DM', async () => {
    h = await startHarness();
    await pushAll(h.push, burst(300, 50), 20);
    await eventually(allDone(h), 'all 300 approvals delivered', 30_000);
    expect(h.sandbox.stats.limitErrors).toBe(0);
    expectEachOnce(h.sandbox.messages, 300);
    const { chatMessages } = sightings(h.sandbox.messages);
    expect(chatMessages).toBeLessThan(300 / 5); // digests, not a flood
    const digests = h.sandbox.messages.filter((m) => m.receiveIdType === 'chat_id' && /approvals$/.test(JSON.stringify((m.card.header as any).title.i18n_content.en_us).replace(/"/g, '')));
    expect(digests.length).toBeGreaterThan(0);
    // Direct messages are never merged: one per approval.
    expect(h.sandbox.messages.filter((m) => m.receiveIdType === 'user_id')).toHaveLength(300);
  }, 60_000);

  it('30% of sends fail at random (500, a hang past the timeout, a dropped connection, 429): every card still arrives exactly once', async () => {
    h = await startHarness({ env: { SEND_TIMEOUT_MS: '300' } });
    h.sandbox.setChaos({ rate: 0.3, modes: ['http500', 'hang', 'drop', 'http429'] });
    await pushAll(h.push, burst(80, 20), 10);
    await eventually(allDone(h), 'all 80 approvals delivered', 45_000);
    expect(h.sandbox.stats.chaosFailures).toBeGreaterThan(10);
    expectEachOnce(h.sandbox.messages, 80);
    console.log(`faults: ${h.sandbox.stats.chaosFailures} injected, ${h.sandbox.stats.resendsAbsorbed} resends absorbed by uuid`);
  }, 60_000);

  it('keeps a configured per-user limit (RATE_LIMIT_USER_PER_SECOND=1)', async () => {
    h = await startHarness({ env: { RATE_LIMIT_USER_PER_SECOND: '1', NOTIFY_CHAT_IDS: '' } });
    await pushAll(h.push, burst(3, 1), 3); // three approvals of one employee
    await eventually(allDone(h), 'three DMs', 10_000);
    const at = h.sandbox.messages.map((m) => m.at).sort((a, b) => a - b);
    expect(at).toHaveLength(3);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000);
  }, 20_000);

  it('a throttled or failing chat does not hold up the employees', async () => {
    h = await startHarness();
    h.sandbox.fail({ match: (s) => s.receiveIdType === 'chat_id', httpStatus: 500, code: 0, msg: 'chat backend down' });
    await pushAll(h.push, burst(20, 20), 10);
    await eventually(async () => h!.sandbox.messages.filter((m) => m.receiveIdType === 'user_id').length === 20, 'all 20 DMs', 10_000);
    expect(h.sandbox.messages.filter((m) => m.receiveIdType === 'chat_id')).toHaveLength(0);
    h.sandbox.clearFaults();
    await eventually(allDone(h), 'the chat catches up', 15_000);
    expectEachOnce(h.sandbox.messages, 20);
  }, 40_000);

  it('each look at the outbox reads only as many rows as the app budget can send now', async () => {
    // Under a burst the budget frees one send at a time; reading a full page (every free slot's
    // rows, with their events) for each of them cost more than the send.
    const pages: number[] = [];
    const counted = (store: Store): Store => ({ ...store, dueDeliveries: (now, limit, exclude) => (pages.push(limit), store.dueDeliveries(now, limit, exclude)) });
    h = await startHarness({ env: { RATE_LIMIT_APP_PER_SECOND: '2', RATE_LIMIT_CHAT_PER_SECOND: '2', RATE_LIMIT_USER_PER_SECOND: '2' }, wrapStore: counted });
    await pushAll(h.push, burst(6, 6), 6);
    await eventually(allDone(h), 'all 6 approvals delivered', 15_000);
    expect(pages.length).toBeGreaterThan(3);
    expect(Math.max(...pages)).toBeLessThanOrEqual(2 * 8); // two sends a second, eight rows each
    expect(h.sandbox.stats.limitErrors).toBe(0);
    expectEachOnce(h.sandbox.messages, 6);
  }, 20_000);

  it('while the app send budget is spent, incoming events do not make the worker read the outbox', async () => {
    let counting = false;
    let reads = 0;
    const read = () => {
      if (counting) reads++;
    };
    const counted = (store: Store): Store => ({
      ...store,
      dueDeliveries: (...args) => (read(), store.dueDeliveries(...args)),
      nextDueAt: () => (read(), store.nextDueAt()),
    });
    h = await startHarness({ env: { RATE_LIMIT_APP_PER_MINUTE: '1' }, wrapStore: counted });
    const [first, ...rest] = burst(41, 41);
    await pushAll(h.push, [first], 1);
    // The minute's one send is done; the other card of that approval now waits for the budget.
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 1, 'the one send');
    counting = true;
    await pushAll(h.push, rest, 10);
    expect((await h.bot.store.deliveries({ status: 'pending' })).length).toBe(81);
    expect(reads).toBe(0);
    expect(h.sandbox.messages).toHaveLength(1);
  }, 20_000);
});
