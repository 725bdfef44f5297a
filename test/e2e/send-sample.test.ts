// The deployment check, `npm run cli -- send-sample`, run as the operator runs it (node
// dist/cli.js): a real post to a running bot, --dry-run that sends nothing, --to that names the
// employee, and one line when the bot cannot be reached.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhookRequest } from '../../src/ingest/verify.js';
import { freePort, runCli } from '../support/bot-process.js';
import { APP, eventually, startHarness, type Harness } from '../support/harness.js';

const keys = { FEISHU_APP_ID: APP.appId, FEISHU_ENCRYPT_KEY: APP.encryptKey, FEISHU_VERIFICATION_TOKEN: APP.verificationToken };
const TEAM_CARD = "(DM); the team card goes to the bot's NOTIFY_CHAT_IDS";

let h: Harness | undefined;
let listener: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  listener?.close();
  listener = undefined;
});

/** An HTTP server that counts what reaches it: proof that nothing was sent. */
async function counter(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  listener = createServer((_req, res) => {
    requests++;
    res.end('{}');
  });
  await new Promise<void>((r) => listener!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(listener.address() as { port: number }).port}`, requests: () => requests };
}

/** The dry run's request block: `POST <url>`, headers, a blank line, the body. */
function printedRequest(stdout: string) {
  const lines = stdout.split('\n');
  const post = lines.findIndex((l) => l.startsWith('POST '));
  const blank = lines.indexOf('', post);
  const headers = Object.fromEntries(lines.slice(post + 1, blank).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
  return { first: lines[0], url: lines[post]!.slice('POST '.length), headers, body: lines[blank + 1]! };
}

describe('send-sample to a running bot', () => {
  it('posts a realistic event, encrypted and signed, and reports the answer', async () => {
    h = await startHarness();
    const result = await runCli(['send-sample', 'remedy', '--url', h.bot.url, '--employee_id', 'u_42', '--remedy_reason', 'checking the deployment'], keys);
    expect(result.stdout).toMatch(
      new RegExp(`^POST ${h.webhook} \\(encrypted and signed\\) → 200 \\{"ok":true,"outcome":"accepted"\\}\\ninstance_code [0-9A-F-]{36}\\nemployee user_id:u_42 \\(DM\\); the team card goes to the bot's NOTIFY_CHAT_IDS\\n$`),
    );
    expect(result.code).toBe(0);
    await eventually(() => h!.sandbox.messages.some((m) => m.receiveIdType === 'user_id' && m.receiveId === 'u_42'), 'the DM to u_42');
    const shift = await runCli(['send-sample', 'shift', '--url', h.webhook, '--open_id', 'ou_42'], keys);
    expect(shift.code).toBe(0);
  });

  it('reports a refusal and exits 1', async () => {
    h = await startHarness();
    const result = await runCli(['send-sample', 'shift', '--url', h.bot.url], { ...keys, FEISHU_ENCRYPT_KEY: 'a different key' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('→ 401 {"error":"X-Lark-Signature does not match the body"}');
  });

  it('--to names the employee the bot DMs; the team chat gets its card too', async () => {
    h = await startHarness();
    const remedy = await runCli(['send-sample', 'remedy', '--url', h.bot.url, '--to', 'u_77'], keys);
    expect(remedy.stdout).toContain(`employee user_id:u_77 ${TEAM_CARD}`);
    const byOpenId = await runCli(['send-sample', 'shift', '--url', h.bot.url, '--to', 'ou_77'], keys);
    expect(byOpenId.stdout).toContain(`employee open_id:ou_77 ${TEAM_CARD}`);
    // The shift seed carries an open_id (ou_xxx), which the bot would prefer: --to u_… clears it.
    const byUserId = await runCli(['send-sample', 'shift', '--url', h.bot.url, '--to', 'u_78'], keys);
    expect(byUserId.stdout).toContain(`employee user_id:u_78 ${TEAM_CARD}`);
    expect([remedy.code, byOpenId.code, byUserId.code]).toEqual([0, 0, 0]);

    const messages = await h.sandbox.waitForMessages(6);
    expect(messages.map((m) => `${m.receiveIdType}:${m.receiveId}`).sort()).toEqual([
      `chat_id:${APP.teamChat}`,
      `chat_id:${APP.teamChat}`,
      `chat_id:${APP.teamChat}`,
      'open_id:ou_77',
      'user_id:u_77',
      'user_id:u_78',
    ]);
  });

  it('sends each attendance kind, to the employee --to names by user_id or open_id', async () => {
    h = await startHarness();
    const runs = [
      ['leave', 'ou_81'],
      ['out', 'u_82'],
      ['overtime', 'ou_83'],
      ['trip', 'u_84'],
    ] as const;
    for (const [kind, to] of runs) {
      const result = await runCli(['send-sample', kind, '--url', h.bot.url, '--to', to], keys);
      expect(result.stdout, kind).toContain('→ 200 {"ok":true,"outcome":"accepted"}');
      expect(result.stdout, kind).toContain(`employee ${to.startsWith('ou_') ? 'open_id' : 'user_id'}:${to} ${TEAM_CARD}`);
    }
    const messages = await h.sandbox.waitForMessages(8);
    const dms = messages.filter((m) => m.receiveIdType !== 'chat_id');
    expect(dms.map((m) => `${m.receiveIdType}:${m.receiveId}`).sort()).toEqual(['open_id:ou_81', 'open_id:ou_83', 'user_id:u_82', 'user_id:u_84']);
    const title = (to: string) => (dms.find((m) => m.receiveId === to)!.card.header as { title: { i18n_content: { en_us: string } } }).title.i18n_content.en_us;
    expect(title('ou_81')).toBe('Leave approved: 12-01 09:00 → 12-03 18:00');
    expect(title('u_82')).toBe('Out of office approved: 12-01 14:00 → 17:30');
    expect(title('ou_83')).toBe('Overtime approved: 12-01 → 12-02');
    expect(title('u_84')).toBe('Business trip approved: 12-01 08:00 → 12-03 20:00');
  });

  it('--to refuses a chat id, and an open_id for remedy, saying why; nothing is sent', async () => {
    const bot = await counter();
    const chat = await runCli(['send-sample', 'shift', '--url', bot.url, '--to', 'oc_team'], keys);
    expect(chat.code).toBe(2);
    expect(chat.stderr).toMatch(/^--to oc_team: a chat id cannot be the employee\. An attendance approval names one employee, not a chat; the team card goes to the chats in the bot's NOTIFY_CHAT_IDS\./);
    const openId = await runCli(['send-sample', 'remedy', '--url', bot.url, '--to', 'ou_77'], keys);
    expect(openId.code).toBe(2);
    expect(openId.stderr).toMatch(/^--to ou_77: the remedy \(补卡\) event names its employee by user_id only \(employee_id\) and has no open_id field/);
    expect(bot.requests()).toBe(0);
  });
});

describe('send-sample --dry-run', () => {
  it('prints a request the bot would accept as signed by Feishu, with the token nowhere in clear, and sends nothing', async () => {
    const bot = await counter();
    const result = await runCli(['send-sample', 'shift', '--dry-run', '--url', bot.url, '--to', 'ou_55'], keys);
    expect(result.code).toBe(0);
    const request = printedRequest(result.stdout);
    expect(request.first).toBe('dry run, nothing sent (encrypted and signed)');
    expect(request.url).toBe(`${bot.url}/webhook/event`);
    expect(Object.keys(request.headers).sort()).toEqual(['content-type', 'x-lark-request-nonce', 'x-lark-request-timestamp', 'x-lark-signature']);

    const verified = verifyWebhookRequest(
      { rawBody: Buffer.from(request.body), header: (name) => request.headers[name] },
      { appId: APP.appId, encryptKey: APP.encryptKey, verificationToken: APP.verificationToken },
    );
    if (!verified.ok) throw new Error(`the printed request does not verify: ${verified.error}`);
    expect(verified.envelope).toMatchObject({ kind: 'event', eventType: 'shift_approval', payload: { open_id: 'ou_55', employee_id: '' } });
    const tampered = verifyWebhookRequest({ rawBody: Buffer.from(request.body.replace('{"encrypt":', '{ "encrypt": ')), header: (name) => request.headers[name] }, { encryptKey: APP.encryptKey });
    expect(tampered).toMatchObject({ ok: false, status: 401 });

    expect(result.stdout).not.toContain(APP.verificationToken);
    expect(result.stdout).toContain('"token": "<FEISHU_VERIFICATION_TOKEN, masked>"');
    expect(result.stdout).toContain(`employee open_id:ou_55 ${TEAM_CARD}`);
    expect(bot.requests()).toBe(0);
  });

  it('without --url it names the local bot on PORT, 3000 by default', async () => {
    const onPort = await runCli(['send-sample', 'remedy', '--dry-run'], { ...keys, PORT: '4567' });
    expect(printedRequest(onPort.stdout).url).toBe('http://127.0.0.1:4567/webhook/event');
    const byDefault = await runCli(['send-sample', 'remedy', '--dry-run'], { ...keys, PORT: '' });
    expect(printedRequest(byDefault.stdout).url).toBe('http://127.0.0.1:3000/webhook/event');
    const real = await runCli(['send-sample', 'remedy'], keys);
    expect(real.code).toBe(2);
    expect(real.stderr).toMatch(/^send-sample needs --url <bot url> \(or --dry-run\)/);
  });

  it('without an encrypt key the plain body is printed with the token masked', async () => {
    const { FEISHU_ENCRYPT_KEY: _, ...plain } = keys;
    const result = await runCli(['send-sample', 'remedy', '--dry-run', '--to', 'u_9'], { ...plain, FEISHU_ENCRYPT_KEY: '' });
    const request = printedRequest(result.stdout);
    expect(request.first).toBe('dry run, nothing sent (plain: FEISHU_ENCRYPT_KEY is not set)');
    expect(request.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(request.body)).toMatchObject({ header: { token: '<FEISHU_VERIFICATION_TOKEN, masked>' }, event: { object: { employee_id: 'u_9' } } });
    expect(result.stdout).not.toContain(APP.verificationToken);
  });
});

describe('send-sample when the bot cannot be reached', () => {
  it('prints one line naming host, call and cause, and exits 1', async () => {
    const port = await freePort(); // nothing listens here
    const result = await runCli(['send-sample', 'remedy', '--url', `http://127.0.0.1:${port}`], keys);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `ECONNREFUSED 127.0.0.1:${port} on POST /webhook/event\n` });
  });
});
