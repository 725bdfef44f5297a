// Operating the outbox: dead deliveries an operator can see and re-queue, and a clean shutdown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox } from '../../src/sandbox/open-platform.js';
import { sandboxEnv, SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { freePort, runCli, spawnBot } from '../support/bot-process.js';
import { burst, exactlyOnce, pushAll } from '../support/burst.js';
import { APP, eventually, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };

describe('dead deliveries and the CLI', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('230002 for a chat and 230013 for a user end dead with their reason; the CLI lists and re-queues them', async () => {
    h = await startHarness();
    const env = { DATABASE_URL: `file:${join(h.dir, 'bot.sqlite')}` };
    h.sandbox.fail({ match: (s) => s.receiveIdType === 'chat_id', code: 230002, msg: 'Bot is not in the chat' });
    h.sandbox.fail({ match: (s) => s.receiveIdType === 'open_id', code: 230013, msg: 'Bot has NO availability to this user' });
    await h.push(remedySeedEvent(identity));
    await h.push(shiftSeedEvent(identity));
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'dead' })).length === 3, 'three dead deliveries');
    await eventually(async () => h!.sandbox.messages.length === 1, 'the one DM that works'); // other recipients unaffected

    const listed = await runCli(['deliveries', '--status', 'dead'], env);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+recipient\s+kind\s+attempts\s+age\s+why \/ last error$/);
    expect(lines.filter((l) => /\bdead\b/.test(l) && l.includes(`chat_id:${APP.teamChat}`) && l.includes('code 230002'))).toHaveLength(2);
    expect(lines.filter((l) => l.includes('open_id:ou_xxx') && l.includes('shift/employee') && l.includes('code 230013'))).toHaveLength(1);
    expect(lines.at(-1)).toBe('3 deliveries dead');

    // The admin adds the bot to the chat and fixes availability, then re-queues.
    h.sandbox.clearFaults();
    const deadUser = (await h.bot.store.deliveries({ status: 'dead' })).find((d) => d.receiveIdType === 'open_id')!;
    const one = await runCli(['requeue', String(deadUser.id)], env);
    expect(one).toMatchObject({ code: 0, stdout: `delivery ${deadUser.id}: re-queued\n` });
    const again = await runCli(['requeue', String(deadUser.id), '999999'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('delivery 999999: not found');
    const all = await runCli(['requeue', '--all-dead'], env);
    expect(all.stdout).toBe('re-queued 2 dead deliveries\n');
    await eventually(async () => (await h!.bot.store.deliveries()).every((d) => d.status === 'sent'), 'all four sent after the re-queue');
    expect(h.sandbox.messages).toHaveLength(4);
  });

  it('explains bad usage', async () => {
    const missing = await runCli(['deliveries'], { DATABASE_URL: 'file:/nonexistent/bot.sqlite' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no database at /nonexistent/bot.sqlite');
    const unknown = await runCli(['explode'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command explode[\s\S]*usage:/);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM during a burst: exit 0 within 12 s, and nothing lost after a restart', async () => {
    const sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
    const dir = mkdtempSync(join(tmpdir(), 'shutdown-'));
    try {
      const port = await freePort();
      const env = { ...sandboxEnv(sandbox.url, join(dir, 'bot.sqlite')), PORT: String(port) };
      const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
      let bot = spawnBot(env);
      await bot.ready;
      const events = burst(200, 40, 'ev_term');
      const pushing = pushAll((e) => pushEvent(url, e, { encryptKey: SANDBOX_APP.encryptKey }), events, 10);
      await eventually(async () => sandbox.messages.length >= 20, 'sending under way', 10_000);

      const signalled = Date.now();
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
      const took = Date.now() - signalled;
      expect(took).toBeLessThan(12_000);
      expect(bot.output.stdout).toContain('"shutting down"');

      bot = spawnBot(env);
      await bot.ready;
      await pushing; // events refused while the bot was down are pushed again, as Feishu would
      await eventually(async () => exactlyOnce(sandbox.messages, 200) || undefined, 'every approval once', 60_000);
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
      console.log(`shutdown: exit after ${took} ms; ${sandbox.stats.resendsAbsorbed} resends absorbed`);
    } finally {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
