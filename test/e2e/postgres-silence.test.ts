// PostgreSQL gone silent: its host died or the network between is partitioned, so nothing answers
// and nothing is reset — unlike a restart, no error ever arrives on the open connections. Then a
// managed fail-over brings a new primary up behind the same address while the old connections lead
// nowhere. The replicas must notice on their own, say so, refuse events while they cannot store
// them, and go back to work on new connections, with every card sent once.
import { describe, expect, it } from 'vitest';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { burst, exactlyOnce } from '../support/burst.js';
import { eventually } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';
import { postgresRelay } from '../support/postgres-relay.js';
import { TIMEOUTS } from '../../src/store/postgres.js';
import { STOP_GRACE_MS } from '../../src/bot.js';

const pg_ = postgresBots();

/** /readyz as a load balancer's probe asks it: an answer within 3 s or none. */
async function probe(base: string): Promise<{ status: number; ready: boolean; database: { ok: boolean; reason?: string } } | undefined> {
  try {
    const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) });
    const body = (await r.json()) as { ready: boolean; checks: { database: { ok: boolean; reason?: string } } };
    return { status: r.status, ready: body.ready, database: body.checks.database };
  } catch {
    return undefined;
  }
}

/** A push, answered within `withinMs` or counted as not answered. */
async function push(webhook: string, event: unknown, withinMs = 3000): Promise<number | 'no answer'> {
  try {
    return (await pushEvent(webhook, event, { encryptKey: SANDBOX_APP.encryptKey, signal: AbortSignal.timeout(withinMs) })).status;
  } catch {
    return 'no answer';
  }
}

describe('PostgreSQL gone silent', () => {
  it('two replicas notice within seconds, refuse events meanwhile, and after a fail-over work on new connections, every card once', async () => {
    const link = await postgresRelay(await pg_.database());
    await link.listen();
    const pods = [await pg_.instance(link.url, 'pod-a'), await pg_.instance(link.url, 'pod-b')];
    await Promise.all(pods.map((p) => p.bot.ready));
    await pg_.senderSeenBy(pods[0]!.base);
    const events = burst(3, 3, 'ev_silent');
    expect(await push(pods[0]!.webhook, events[0])).toBe(200);
    await eventually(() => exactlyOnce(pg_.sandbox.messages, 1) || undefined, 'the first approval delivered');

    link.silence();
    const silencedAt = Date.now();
    // Each replica's probe answers, and says the database does not.
    for (const { base } of pods) {
      const unready = await eventually(async () => {
        const r = await probe(base);
        return r && !r.ready && r;
      }, 'an answered probe that says unready', 15_000);
      expect(unready.status).toBe(503);
      expect(unready.database.reason).toMatch(/^not writable: PostgreSQL at 127\.0\.0\.1:\d+\/bot_test_\w+ did not answer within \d+ ms/);
    }
    // A push is not stored: answered 503 once the database's silence limit has passed (Feishu has
    // given up after 3 s by then, which it treats as the 503: it pushes again later).
    const pushedAt = Date.now();
    expect(await push(pods[1]!.webhook, events[1], 15_000)).toBe(503);
    expect(Date.now() - pushedAt).toBeLessThan(TIMEOUTS.silenceMs + 2000);
    expect(pushedAt - silencedAt).toBeLessThan(15_000);

    link.failOver();
    const failedOverAt = Date.now();
    for (const { base } of pods) await eventually(async () => (await probe(base))?.ready, 'ready again after the fail-over', 20_000);
    const readyAfterMs = Date.now() - failedOverAt;
    // Feishu pushes the refused event again; a new one comes.
    await eventually(async () => (await push(pods[1]!.webhook, events[1])) === 200, 'the refused event stored on a retry', 10_000);
    expect(await push(pods[0]!.webhook, events[2])).toBe(200);
    await eventually(() => exactlyOnce(pg_.sandbox.messages, 3) || undefined, 'every approval delivered once', 20_000);
    expect(readyAfterMs).toBeLessThan(20_000);
    await link.close();
  }, 90_000);

  it('a replica told to stop while the database is silent exits within its grace period, as a supervisor expects', async () => {
    const link = await postgresRelay(await pg_.database());
    await link.listen();
    const { bot, webhook } = await pg_.instance(link.url, 'pod-a');
    await bot.ready;
    await pg_.senderSeenBy(`http://127.0.0.1:${new URL(webhook).port}`);
    link.silence();
    const pushing = push(webhook, burst(1, 1, 'ev_stop')[0], 15_000); // a request in flight
    await new Promise((r) => setTimeout(r, 500));
    const signalled = Date.now();
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(STOP_GRACE_MS);
    expect(await pushing).not.toBe(200); // never acknowledged: Feishu pushes it again
    expect(bot.output.stdout).toContain('"msg":"stopped"');
    await link.close();
  }, 40_000);
});
