// Replicas whose machines disagree about the time, on one PostgreSQL database. Each bot process
// here runs with its wall clock moved (test/support/skewed-clock.mjs, preloaded), as on a node
// whose NTP is broken; the database's clock is the one they keep.
import { describe, expect, it } from 'vitest';
import { FEISHU_SEND_LIMITS } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { burst, pushAll } from '../support/burst.js';
import { clockOff } from '../support/clock-off.js';
import { eventually, sleep } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';

/** What the sandbox lets the app send in a minute, and what the bots are told Feishu allows. */
const PER_MINUTE = 40;
/** A bot on a machine whose clock is `ms` ahead (negative: behind), told Feishu's minute limit is PER_MINUTE. */
const botClockOff = (ms: number) => ({ ...clockOff(ms), RATE_LIMIT_APP_PER_MINUTE: String(PER_MINUTE) });

/** Starts an instance and waits until it is ready and a sender is chosen; returns it with that sender's name. */
async function started(pg_: ReturnType<typeof postgresBots>, url: string, name: string, more: Record<string, string>) {
  const bot = await pg_.instance(url, name, more);
  await bot.bot.ready;
  return { ...bot, sender: await pg_.senderSeenBy(bot.base, 10_000) };
}

describe('a replica whose clock runs ahead, on one PostgreSQL database', () => {
  const pg_ = postgresBots();
  const { database, push } = pg_;

  it("sends at once the cards of an event stored by a replica whose clock runs a minute ahead (the machine's clock used to hold them for that minute)", async () => {
    const url = await database();
    const sender = await started(pg_, url, 'pod-true', botClockOff(0));
    expect(sender.sender).toBe('pod-true');
    const ahead = await started(pg_, url, 'pod-ahead', botClockOff(60_000));
    expect(ahead.sender).toBe('pod-true');

    const event = remedySeedEvent({ appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken, eventId: 'ev_from_the_future' }, { instance_code: 'I-AHEAD' });
    const pushedAt = Date.now();
    expect((await push(ahead.webhook, event)).status).toBe(200);
    await eventually(() => pg_.sandbox.messages.length === 2, 'the DM and the team card', 10_000);
    expect(Date.now() - pushedAt).toBeLessThan(5000);
    await eventually(() => /this machine's clock is (59\.9|60\.[01]) s ahead of the database's/.test(ahead.bot.output.stdout), 'the skewed replica says so');
    // …and shows it, for an alert: /readyz (informational) and /metrics.
    expect((await pg_.ready(ahead.base)).checks.clock!.offsetSeconds).toBeCloseTo(-60, 0);
    expect((await pg_.ready(sender.base)).checks.clock!.offsetSeconds).toBeCloseTo(0, 0);
    // Prometheus prints the gauge as a plain number: "-60" when the offset comes out whole, "-59.998" when not.
    const gauge = /^approval_bot_clock_offset_seconds (\S+)$/m.exec(await (await fetch(`${ahead.base}/metrics`)).text());
    expect(Number(gauge?.[1])).toBeCloseTo(-60, 0);
  }, 30_000);
});

describe("fail-over between senders whose clocks disagree, Feishu's minute limit enforced", () => {
  const pg_ = postgresBots({ limits: { ...FEISHU_SEND_LIMITS, appPerMinute: PER_MINUTE } });
  const { database, ready, push } = pg_;

  it("keeps the app's minute limit across a fail-over from a sender whose clock ran two minutes behind", async () => {
    const url = await database();
    const behind = await started(pg_, url, 'pod-behind', botClockOff(-120_000));
    expect(behind.sender).toBe('pod-behind');
    const next = await started(pg_, url, 'pod-next', botClockOff(0));
    const limitErrorsBefore = pg_.sandbox.stats.limitErrors;

    // More cards than a minute allows: the first sender spends the minute's budget, then waits.
    await pushAll((event) => push(behind.webhook, event), burst(60, 60, 'ev_minute'), 6);
    await eventually(() => pg_.sandbox.messages.length >= PER_MINUTE, "the minute's budget spent", 15_000);
    await sleep(300);
    expect(pg_.sandbox.messages).toHaveLength(PER_MINUTE);
    behind.bot.child.kill('SIGKILL');
    await behind.bot.exited;

    // The next sender counts the last minute's sends, stamped by the dead one, at their true time,
    // so it waits out the minute too: sending now would be refused by Feishu (99991400).
    await eventually(async () => (await ready(next.base)).checks.sender!.sending === true, 'the other instance takes over', 10_000);
    await sleep(3000);
    expect(pg_.sandbox.stats.limitErrors - limitErrorsBefore).toBe(0);
    expect(pg_.sandbox.messages).toHaveLength(PER_MINUTE);
    expect(((await ready(next.base)).checks.outbox as { pending: number }).pending).toBeGreaterThan(0); // cards wait their turn
  }, 45_000);
});
