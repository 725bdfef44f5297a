// Bot processes on PostgreSQL databases of their own, against one sandbox: the set-up of the
// multi-instance and fault tests. Call at the top of a test file; it registers its hooks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox, type SandboxLimits } from '../../src/sandbox/open-platform.js';
import { sandboxEnv, SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { freePort, readiness, spawnBot, type BotProcess } from './bot-process.js';
import { burst, exactlyOnce } from './burst.js';
import { eventually } from './harness.js';
import { freshDatabase } from './postgres.js';

/** A push as Feishu makes it: encrypted and signed with the sandbox app's key. */
const push = (webhook: string, event: unknown) => pushEvent(webhook, event, { encryptKey: SANDBOX_APP.encryptKey });

/** The sender the instance at `base` names, once it is ready and one is chosen. */
export const senderSeenBy = (base: string, timeoutMs = 5000) =>
  eventually(async () => {
    const r = await readiness(base);
    const sender = r.checks.sender?.sender;
    return r.ready && sender !== 'unknown yet' && (sender as string);
  }, 'ready, a sender chosen', timeoutMs);

/** `limits`: what the sandbox enforces (Feishu's by default). */
export function postgresBots(options: { limits?: SandboxLimits } = {}) {
  let sandbox: Sandbox | undefined;
  let dir = '';
  const bots: BotProcess[] = [];
  const drops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret, limits: options.limits });
    dir = mkdtempSync(join(tmpdir(), 'pg-e2e-'));
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) {
      bot.child.kill('SIGKILL');
      await bot.exited;
    }
    for (const drop of drops.splice(0)) await drop();
    sandbox!.messages.length = 0;
    sandbox!.clearFaults();
  });
  afterAll(async () => {
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    get sandbox() {
      return sandbox!;
    },
    get dir() {
      return dir;
    },
    /** A new, empty database, dropped after the test. */
    async database(): Promise<string> {
      const db = await freshDatabase();
      drops.push(db.drop);
      return db.url;
    },
    /** A bot process on `url` named `name` (a 2 s sender lease), killed after the test. */
    async instance(url: string, name: string, more: Record<string, string> = {}) {
      const port = await freePort();
      const env = { ...sandboxEnv(sandbox!.url, join(dir, 'unused.sqlite')), DATABASE_URL: url, PORT: String(port), INSTANCE_ID: name, SENDER_LEASE_SECONDS: '2', ...more };
      const bot = spawnBot(env);
      bots.push(bot);
      return { bot, port, base: `http://127.0.0.1:${port}`, webhook: `http://127.0.0.1:${port}${WEBHOOK_PATH}` };
    },
    ready: readiness,
    senderSeenBy,
    push,
    /**
     * A spell of the database refusing writes, as the bot at `base` lives through it: an approval
     * is delivered; `refuse()` starts the spell; /readyz then says so (503, its reason containing
     * `says` and matching `reason`) and a push is answered 503; `allow()` ends it; /readyz is ready
     * again, the refused event is stored when Feishu pushes it again, and every card goes once.
     */
    async writesRefused(
      { base, webhook }: { base: string; webhook: string },
      spell: { eventIds: string; refuse: () => Promise<void>; allow: () => Promise<void>; says: string; reason: RegExp; unreadyWithinMs?: number; readyWithinMs?: number },
    ) {
      const [before, during] = burst(2, 2, spell.eventIds);
      expect((await push(webhook, before)).status).toBe(200);
      await eventually(() => sandbox!.messages.length === 2, 'the first approval delivered');

      await spell.refuse();
      // (A probe under way when the connections were cut may first say "terminating connection".)
      const unready = await eventually(
        async () => {
          const r = await readiness(base);
          return !r.ready && String(r.checks.database?.reason).includes(spell.says) && r;
        },
        `/readyz says the database is ${spell.says}`,
        spell.unreadyWithinMs,
      );
      expect(unready.checks.database).toMatchObject({ ok: false, reason: expect.stringMatching(spell.reason) });
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      expect((await push(webhook, during)).status).toBe(503);

      await spell.allow();
      await eventually(async () => (await readiness(base)).ready, '/readyz ready again', spell.readyWithinMs ?? 10_000);
      // Feishu pushes the refused event again.
      await eventually(async () => (await push(webhook, during)).status === 200, 'the refused event stored on a retry', 10_000);
      await eventually(() => exactlyOnce(sandbox!.messages, 2) || undefined, 'both approvals delivered once', 15_000);
    },
  };
}
