// One bot per SQLite file: a second bot is refused and told who holds the file; a bot that died,
// however it died, does not block the next start; the CLI still works beside a running bot.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP, sandboxEnv } from '../../src/sandbox/sandbox-settings.js';
import { acquireInstanceLock, InstanceLockError } from '../../src/store/instance-lock.js';
import { runCli, spawnBot, type BotProcess } from '../support/bot-process.js';

const databaseIn = (dir = mkdtempSync(join(tmpdir(), 'lock-'))) => join(dir, 'bot.sqlite');

describe('the instance lock', () => {
  it('is refused to a second holder, naming the first, and free again once released', async () => {
    const path = databaseIn();
    const first = acquireInstanceLock(path);
    let refusal: unknown;
    try {
      acquireInstanceLock(path);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InstanceLockError);
    expect((refusal as InstanceLockError).holder).toMatchObject({ pid: process.pid });
    expect((refusal as Error).message).toContain(`another instance of the bot (pid ${process.pid} on `);
    expect((refusal as Error).message).toContain(`on the database ${path}`);
    first.release();
    acquireInstanceLock(path).release();
  });

  it('belongs to one file: bots on two databases do not block each other', async () => {
    const a = acquireInstanceLock(databaseIn());
    const b = acquireInstanceLock(databaseIn());
    a.release();
    b.release();
  });
});

describe('two bot processes on one database', () => {
  let sandbox: Sandbox;
  const running: BotProcess[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
  });
  afterEach(async () => {
    for (const bot of running.splice(0)) bot.child.kill('SIGKILL');
  });
  afterAll(() => sandbox.close());

  it('the second refuses to start with one line naming the first one’s pid, and exit code 1', async () => {
    const env = sandboxEnv(sandbox.url, databaseIn());
    const first = spawnBot(env);
    running.push(first);
    await first.ready;

    const second = spawnBot(env);
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^another instance of the bot \\(pid ${first.child.pid} on .+\\) is running on the database .+bot\\.sqlite\\. Run one bot per SQLite file`)),
    ]);
    // The first one is untouched.
    expect(first.child.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${await first.ready}/healthz`);
    expect(health.status).toBe(200);

    // Reading and re-queueing from the CLI is not a second bot.
    const listed = await runCli(['deliveries'], { DATABASE_URL: env.DATABASE_URL! });
    expect(listed).toMatchObject({ code: 0, stdout: expect.stringContaining('0 deliveries') });
  });

  it('a bot killed with SIGKILL leaves no lock behind: the next one starts', async () => {
    const env = sandboxEnv(sandbox.url, databaseIn());
    const killed = spawnBot(env);
    await killed.ready;
    killed.child.kill('SIGKILL');
    await killed.exited;

    const next = spawnBot(env);
    running.push(next);
    const port = await next.ready;
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });
});
