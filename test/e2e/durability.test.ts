// What must survive a power cut waits for the disk: an event is acknowledged only once it is
// synced, and a card leaves only once its attempt is synced (so a resend after a power cut keeps
// the same uuid, never folded into a digest).
import { afterEach, describe, expect, it } from 'vitest';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import type { Store } from '../../src/store/store.js';
import { APP, eventually, sleep, startHarness, type Harness } from '../support/harness.js';

/** The real store, with its disk syncs held until the test lets them run. */
function heldDisk() {
  const held: Array<() => void> = [];
  let holding = true;
  const wrap = (store: Store): Store => ({
    ...store,
    async durable() {
      if (holding) await new Promise<void>((release) => held.push(release));
      return store.durable();
    },
  });
  return {
    wrap,
    get waiting() {
      return held.length;
    },
    stopHolding() {
      holding = false;
      held.splice(0).forEach((release) => release());
    },
  };
}

describe('durability', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('acknowledges an event and sends its cards only after each is on disk', async () => {
    const disk = heldDisk();
    h = await startHarness({ wrapStore: disk.wrap });
    let answered = false;
    const answer = h.push(remedySeedEvent({ appId: APP.appId, token: APP.verificationToken, eventId: 'ev_sync' })).then((r) => {
      answered = true;
      return r;
    });
    // Committed, and the worker (which polls the outbox) has recorded its attempts: all of it
    // waits for the disk, so nothing is acknowledged and nothing leaves.
    await eventually(async () => (await h!.bot.store.deliveries()).filter((d) => d.attempts === 1).length === 2, 'both attempts recorded');
    await sleep(200);
    expect((await h.bot.store.event('ev_sync'))?.status).toBe('accepted');
    expect(disk.waiting).toBeGreaterThanOrEqual(2);
    expect(answered).toBe(false);
    expect(h.sandbox.messages).toHaveLength(0);

    disk.stopHolding();
    expect((await answer).status).toBe(200);
    await h.sandbox.waitForMessages(2);
  });
});
