// `npm start` as an operator runs it: settings from the environment and ./.env, one-line errors,
// a liveness probe, clean exit on SIGTERM, and no secret in the output.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { botEnv, runCli, spawnBot, watchBot } from '../support/bot-process.js';
import { APP, eventually } from '../support/harness.js';
import { onTerminal, withoutColours } from '../support/terminal.js';

describe('the bot process', () => {
  let sandbox: Sandbox;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: APP.appId, appSecret: APP.appSecret });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await sandbox.close();
  });

  it('stops with one line naming a malformed setting, and exit code 1', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bot-cwd-'));
    const { output, exited } = spawnBot({ FEISHU_APP_ID: APP.appId, FEISHU_APP_SECRET: APP.appSecret, PORT: 'http' }, cwd);
    expect(await exited).toBe(1);
    expect(output.stderr).toBe('Invalid setting PORT: expected an integer from 0 to 65535, got "http"\n');
  });

  it('stops with one line naming a missing setting', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bot-cwd-'));
    const { output, exited } = spawnBot({}, cwd);
    expect(await exited).toBe(1);
    expect(output.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid setting FEISHU_APP_ID: required/)]);
  });

  it('reads ./.env (the environment wins), serves /healthz and the webhook, and exits 0 on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bot-cwd-'));
    writeFileSync(
      join(cwd, '.env'),
      [
        `FEISHU_APP_ID=${APP.appId}`,
        `FEISHU_APP_SECRET=${APP.appSecret}`,
        `FEISHU_ENCRYPT_KEY=${APP.encryptKey}`,
        `FEISHU_VERIFICATION_TOKEN=${APP.verificationToken}`,
        `FEISHU_DOMAIN=${sandbox.url}`,
        'PORT=1', // overridden by the environment below
        'DATABASE_URL=file:./state/bot.sqlite',
        `NOTIFY_CHAT_IDS=${APP.teamChat}`,
      ].join('\n'),
    );
    const started = spawnBot({ PORT: '0' }, cwd);
    child = started.child;
    const port = await started.ready;
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });

    const response = await pushEvent(base + WEBHOOK_PATH, remedySeedEvent({ appId: APP.appId, token: APP.verificationToken }), { encryptKey: APP.encryptKey });
    expect(response.status).toBe(200);
    await sandbox.waitForMessages(2);

    child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    const all = started.output.stdout + started.output.stderr;
    expect(all).toContain('"delivery sent"');
    for (const secret of [APP.appSecret, APP.encryptKey, APP.verificationToken]) expect(all).not.toContain(secret);
    for (const line of started.output.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('starts with a summary line of what runs where, then one warning per doubtful setting', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bot-cwd-'));
    const started = spawnBot({ FEISHU_APP_ID: APP.appId, FEISHU_APP_SECRET: APP.appSecret, FEISHU_DOMAIN: sandbox.url, PORT: '0', TIMEZONE: 'Europe/Berlin' }, cwd);
    child = started.child;
    await started.ready;
    // The warnings follow the summary line, possibly in a later chunk of output.
    const lines = await eventually(() => {
      const all = started.output.stdout.trim().split('\n').map((l) => JSON.parse(l));
      return all.filter((l) => l.level === 'warn').length >= 3 && all;
    }, 'the warnings after the summary');
    const listening = lines.find((l) => l.msg === 'bot listening');
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(listening).toMatchObject({
      version,
      eventMode: 'webhook',
      listen: expect.stringMatching(/:\d+$/),
      database: { path: join(cwd, 'data/bot.sqlite'), schemaVersion: SCHEMA_VERSION, migratedFrom: 0 },
      teamChats: 0,
      templates: 'built-in',
      timezone: 'Europe/Berlin',
    });
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warnings).toEqual([
      expect.stringContaining('FEISHU_VERIFICATION_TOKEN is not set'),
      expect.stringContaining('FEISHU_ENCRYPT_KEY is not set'),
      expect.stringContaining('no team chats'),
    ]);
    child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });

  it('on a terminal, writes readable lines rather than JSON, and exits 0 on Ctrl-C', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bot-cwd-'));
    const settings = { FEISHU_APP_ID: APP.appId, FEISHU_APP_SECRET: APP.appSecret, FEISHU_DOMAIN: sandbox.url, PORT: '0' };
    // Without SHELL, as in CI: script then runs the command through /bin/sh (dash on Debian).
    const { SHELL: _shell, ...env } = botEnv(settings);
    const terminal = onTerminal([process.execPath, join(import.meta.dirname, '../../dist/main.js')], env, cwd);
    child = terminal;
    // (Its ready waits for a JSON line, which a terminal does not get: the pretty one is looked for.)
    const { output, exited } = watchBot(terminal);
    await eventually(() => withoutColours(output.stdout).includes('bot listening'), 'the listening line on the terminal');
    terminal.stdin!.write('\x03');
    expect(await exited).toBe(0);
    const text = withoutColours(output.stdout);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: bot listening$/m);
    expect(text).toMatch(/^\s+eventMode: "webhook"$/m);
    expect(text).toMatch(/INFO: stopped\s+signal: "SIGINT"/);
    expect(text).not.toContain('{"level"');
    expect(output.stdout).toContain('\x1b['); // coloured
  });

  it('on SQLite, loads neither the PostgreSQL client nor the terminal formatter; the CLI on PostgreSQL loads the client', async () => {
    // NODE_DEBUG=module makes Node name every CommonJS module it loads, on stderr.
    const loaded = (stderr: string) => ({ pg: /node_modules[\\/]pg[\\/]/.test(stderr), pretty: /node_modules[\\/]pino-pretty[\\/]/.test(stderr) });
    const cwd = mkdtempSync(join(tmpdir(), 'bot-cwd-'));
    const bot = spawnBot({ FEISHU_APP_ID: APP.appId, FEISHU_APP_SECRET: APP.appSecret, FEISHU_DOMAIN: sandbox.url, PORT: '0', NODE_DEBUG: 'module' }, cwd);
    child = bot.child;
    await bot.ready;
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    const stderr = bot.output.stderr;
    expect(loaded(stderr)).toEqual({ pg: false, pretty: false });
    expect(stderr).toMatch(/node_modules[\\/]better-sqlite3[\\/]/); // the observation works

    const sqliteCli = await runCli(['deliveries'], { DATABASE_URL: `file:${join(cwd, 'data/bot.sqlite')}`, NODE_DEBUG: 'module' });
    expect(sqliteCli.code).toBe(0);
    expect(loaded(sqliteCli.stderr)).toEqual({ pg: false, pretty: false });

    // An unreachable server is enough: the client is loaded to try it.
    const postgresCli = await runCli(['deliveries'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', NODE_DEBUG: 'module' });
    expect(postgresCli.code).not.toBe(0);
    expect(loaded(postgresCli.stderr)).toEqual({ pg: true, pretty: false });
  });
});
