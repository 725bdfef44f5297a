// A bot whose Open Platform cannot be reached says which host, which call and why: in the log,
// in the outbox's last error that `npm run cli -- deliveries` shows, and for the long connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { sandboxEnv } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { freePort, runCli, spawnBot, type BotProcess } from '../support/bot-process.js';
import { APP, eventually } from '../support/harness.js';

let bot: BotProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  bot?.child.kill('SIGKILL');
  await bot?.exited;
  bot = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const logLines = (b: BotProcess) =>
  b.output.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('an Open Platform that cannot be reached', () => {
  it('the retried delivery and the long connection name host, call and cause', async () => {
    dir = mkdtempSync(join(tmpdir(), 'network-errors-'));
    const down = await freePort(); // nothing listens here
    const env = { ...sandboxEnv(`http://127.0.0.1:${down}`, join(dir, 'bot.sqlite')), EVENT_MODE: 'both' };
    bot = spawnBot(env);
    const port = await bot.ready;

    const pushed = await pushEvent(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, remedySeedEvent({ appId: APP.appId, token: APP.verificationToken }), { encryptKey: APP.encryptKey });
    expect(pushed.status).toBe(200);
    const tokenCall = `ECONNREFUSED 127.0.0.1:${down} on POST /open-apis/auth/v3/tenant_access_token/internal`;
    const retried = await eventually(() => logLines(bot!).find((l) => l.msg === 'delivery will be retried'), 'a retried delivery', 10_000);
    expect(retried.reason).toBe(tokenCall);

    const listed = await runCli(['deliveries'], { DATABASE_URL: `file:${join(dir, 'bot.sqlite')}` });
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n').filter((l) => l.includes('pending') && l.endsWith(tokenCall))).toHaveLength(2); // employee and team

    const endpoint = await eventually(() => logLines(bot!).find((l) => l.msg === 'long connection endpoint request failed'), 'the long connection warning', 10_000);
    expect(endpoint).toMatchObject({ level: 'warn', error: `ECONNREFUSED 127.0.0.1:${down} on POST /callback/ws/endpoint` });
  });
});
