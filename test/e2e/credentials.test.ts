// The start-up check: a wrong App Secret is one clear error at start, /readyz says so, events are
// still taken and kept, and the bot notices by itself when the credentials work again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tokenRefusal } from '../../src/feishu/credentials.js';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP, sandboxEnv } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { APP, eventually, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };
const WRONG_SECRET = 'wrongsecret0123456789abcdef';

describe('reading a token refusal', () => {
  it('takes the code and message from the SDK’s error, and nothing else for a refusal', async () => {
    expect(tokenRefusal(new Error('failed to get tenant_access_token, code: 10014, msg: app secret invalid'))).toEqual({ code: 10014, message: 'app secret invalid' });
    expect(tokenRefusal(new Error('failed to get tenant_access_token, code: 10003, msg: invalid param'))).toEqual({ code: 10003, message: 'invalid param' });
    expect(tokenRefusal(new Error('ECONNREFUSED 127.0.0.1:9 on POST /open-apis/auth/v3/tenant_access_token/internal'))).toBeUndefined();
    expect(tokenRefusal(new Error('Open Platform answered HTTP 502'))).toBeUndefined();
  });
});

describe('a bot whose App Secret Feishu rejects', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('logs one error naming FEISHU_APP_SECRET, is not ready, keeps events, and recovers when the secret works', async () => {
    h = await startHarness({ env: { FEISHU_APP_SECRET: WRONG_SECRET } });
    await h.bot.credentialsChecked;
    const errors = h.logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toMatch(/^Feishu rejected the app credentials \(code 10014: app secret invalid\): check FEISHU_APP_SECRET against/);
    expect(h.logs.join('\n')).not.toContain(WRONG_SECRET);

    const notReady = await fetch(h.bot.url + '/readyz');
    expect(notReady.status).toBe(503);
    expect((await notReady.json()).checks.credentials).toEqual({ ok: false, state: 'rejected', reason: 'credentials rejected', code: 10014, detail: 'app secret invalid' });
    expect(await (await fetch(h.bot.url + '/metrics')).text()).toMatch(/^approval_bot_credentials_rejected 1$/m);

    // Feishu's pushes are still acknowledged and kept: nothing is lost while the secret is wrong.
    expect((await h.push(remedySeedEvent(identity))).status).toBe(200);
    expect((await h.bot.store.deliveries({ status: 'pending' }))).toHaveLength(2);
    expect(h.sandbox.messages).toHaveLength(0);

    // The admin resets the app's secret in the console to the one configured: the next send's
    // token fetch works, /readyz recovers, and the waiting cards go out.
    h.sandbox.setAppSecret(WRONG_SECRET);
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 2, 'the waiting cards sent', 10_000);
    const ready = await fetch(h.bot.url + '/readyz');
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.credentials).toEqual({ ok: true, state: 'accepted' });
    expect(h.logs.some((l) => JSON.parse(l).msg === 'Feishu accepts the app credentials now')).toBe(true);
  });

  it('tries again by itself, so /readyz recovers with nothing to send', async () => {
    h = await startHarness({ env: { FEISHU_APP_SECRET: WRONG_SECRET }, credentialRetryMs: 50 });
    await h.bot.credentialsChecked;
    expect((await fetch(h.bot.url + '/readyz')).status).toBe(503);
    const asked = h.sandbox.stats.tokenRequests;
    h.sandbox.setAppSecret(WRONG_SECRET);
    await eventually(async () => h!.sandbox.stats.tokenRequests > asked, 'a retry');
    await eventually(async () => h!.logs.some((l) => JSON.parse(l).msg === 'Feishu accepts the app credentials now'), 'the recovery logged');
    expect((await fetch(h.bot.url + '/readyz')).status).toBe(200);
    expect(h.sandbox.stats.tokenRequests).toBeGreaterThan(asked);
    // Once accepted, it stops asking.
    const after = h.sandbox.stats.tokenRequests;
    await new Promise((r) => setTimeout(r, 200));
    expect(h.sandbox.stats.tokenRequests).toBe(after);
  });

  it('names the app id when Feishu does not know it (10003)', async () => {
    h = await startHarness({ env: { FEISHU_APP_ID: 'cli_0000000000000000' } });
    await h.bot.credentialsChecked;
    const error = h.logs.map((l) => JSON.parse(l)).find((l) => l.level === 'error');
    expect(error.msg).toContain('(code 10003: invalid param): check FEISHU_APP_ID and FEISHU_APP_SECRET');
  });
});

describe('the bot process with a wrong secret', () => {
  let sandbox: Sandbox;
  let bot: BotProcess | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
  });
  afterAll(async () => {
    bot?.child.kill('SIGKILL');
    await sandbox.close();
  });

  it('keeps serving: the webhook acknowledges, /healthz is 200, /readyz is 503 “credentials rejected”', async () => {
    const env = { ...sandboxEnv(sandbox.url, join(mkdtempSync(join(tmpdir(), 'creds-')), 'bot.sqlite')), FEISHU_APP_SECRET: WRONG_SECRET };
    bot = spawnBot(env);
    const port = await bot.ready;
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => bot!.output.stdout.includes('Feishu rejected the app credentials'), 'the start-up error');
    const errorLines = bot.output.stdout.split('\n').filter((l) => l.includes('"level":"error"'));
    expect(errorLines).toHaveLength(1);
    expect(JSON.parse(errorLines[0]!).msg).toContain('check FEISHU_APP_SECRET');

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks.credentials.reason).toBe('credentials rejected');
    const pushed = await pushEvent(`${base}${WEBHOOK_PATH}`, remedySeedEvent(identity), { encryptKey: SANDBOX_APP.encryptKey });
    expect(pushed.status).toBe(200);
  });
});
