// kill -9 at random moments during a burst: every acknowledged event still yields its cards, each
// exactly once as Feishu shows it; a resend after a crash is absorbed by its uuid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { sandboxEnv, SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { freePort, spawnBot, type BotProcess } from '../support/bot-process.js';
import { burst, exactlyOnce, pushAll, sightings } from '../support/burst.js';
import { eventually, sleep } from '../support/harness.js';

describe('crash safety', () => {
  let sandbox: Sandbox;
  let dir: string;
  let bot: BotProcess | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
    dir = mkdtempSync(join(tmpdir(), 'crash-'));
  });
  afterAll(async () => {
    bot?.child.kill('SIGKILL');
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL at random moments, 4 times, during a burst of 500 events → every card exactly once', async () => {
    const port = await freePort();
    const env = { ...sandboxEnv(sandbox.url, join(dir, 'bot.sqlite')), PORT: String(port) };
    const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
    bot = spawnBot(env);
    await bot.ready;

    // Feishu's side: re-push every event until it is answered with 200.
    const pushing = pushAll((event) => pushEvent(url, event, { encryptKey: SANDBOX_APP.encryptKey }), burst(500, 100, 'ev_crash'), 10);
    const kills: number[] = [];
    for (let k = 0; k < 4; k++) {
      await sleep(400 + Math.random() * 1600);
      kills.push(sandbox.messages.length);
      bot.child.kill('SIGKILL');
      await bot.exited;
      bot = spawnBot(env);
      await bot.ready;
    }
    await pushing;
    await eventually(() => exactlyOnce(sandbox.messages, 500) || undefined, 'every approval once in a DM and once in the chat', 90_000);
    await sleep(500); // a late duplicate would show up here
    expect(exactlyOnce(sandbox.messages, 500)).toBe(true);
    expect(sandbox.stats.limitErrors).toBe(0);
    console.log(
      `crash: killed at ${kills.join(', ')} messages; ${sandbox.messages.length} messages ` +
        `(${sightings(sandbox.messages).chatMessages} in the chat); ${sandbox.stats.resendsAbsorbed} raw resends absorbed by uuid`,
    );
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 150_000);
});
