// Every documented way of starting the bot — `npm start`, `node dist/main.js`, the systemd unit's
// command line — signalled the way a user or a supervisor signals it. Each start is its own
// process group, so "nothing survives" is checkable: no process left in the group (an orphaned
// `node dist/main.js` would stay in it) and nothing listening on the bot's port.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STOP_GRACE_MS } from '../../src/bot.js';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { sandboxEnv } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { botEnv, watchBot, type BotProcess } from '../support/bot-process.js';
import { APP } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const UNIT = join(ROOT, 'deploy/feishu-approval-bot.service');

/** A started bot: `pgid` is the group of everything the start command spawned. */
interface Started extends BotProcess {
  pgid: number;
  port: number;
}

let sandbox: Sandbox;
/** A copy of the project as an operator has it: `npm start` there rebuilds its own dist/, not the suite's. */
let install: string;
const running: Started[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ appId: APP.appId, appSecret: APP.appSecret });
  install = mkdtempSync(join(tmpdir(), 'bot-install-'));
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts', 'src', 'templates']) {
    cpSync(join(ROOT, entry), join(install, entry), { recursive: true });
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(install, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: install, stdio: 'inherit' }); // `npm run build`
}, 60_000);

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  // A failed test may leave its bot running: end that group (ours alone), or the port stays taken.
  for (const bot of running.splice(0)) if (livingInGroup(bot.pgid).length > 0) process.kill(-bot.pgid, 'SIGKILL');
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'bot-service-'));
  return { ...sandboxEnv(sandbox.url, join(dir, 'bot.sqlite')), ...extra };
}

/** Runs `command` in its own process group (as a terminal or a supervisor would) and waits until the bot listens. */
async function start(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Started> {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const bot = watchBot(child);
  const started: Started = { ...bot, pgid: child.pid!, port: 0 };
  running.push(started);
  started.port = await bot.ready;
  return started;
}

/**
 * The processes of group `pgid` that still run, as "pid command". Zombies do not count: they run
 * nothing and hold no port, and where PID 1 is no real init (as in some containers) the esbuild
 * helper of `npm start`'s build stays one, reparented to it.
 */
function livingInGroup(pgid: number): string[] {
  const living: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') living.push(`${pid} ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`);
  }
  return living;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolveListening(true)));
    socket.once('error', () => resolveListening(false));
  });
}

/** The `msg` of each JSON log line (npm's banner lines are not JSON). */
function messages(bot: BotProcess): string[] {
  return bot.output.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line).msg as string);
}

/** Exit code 0 for whoever was started, the bot's shutdown logged, and no process or listener left. */
async function expectGracefulStop(bot: Started, signal: NodeJS.Signals): Promise<void> {
  expect(await bot.exited, bot.output.stderr).toBe(0);
  const logged = messages(bot);
  expect(logged).toContain('shutting down');
  expect(logged.at(-1)).toBe('stopped');
  expect(bot.output.stdout).toContain(`"signal":"${signal}"`);
  expect(livingInGroup(bot.pgid), 'processes of the group that survived').toEqual([]);
  expect(await listening(bot.port), `port ${bot.port} still open`).toBe(false);
}

describe('npm start', () => {
  // package.json's start is `exec node dist/main.js`: without exec, npm's `sh -c` stands between
  // npm and the bot, and a SIGTERM that npm forwards kills only the shell, orphaning a bot that keeps
  // listening (measured with npm 11 and dash); a SIGINT to npm alone reached nobody.
  const npm = () => start('npm', ['start'], { cwd: install, env: botEnv(env()) });

  it.each([
    ['SIGTERM to npm', 'SIGTERM', 'pid'],
    ['SIGINT to npm', 'SIGINT', 'pid'],
    ['Ctrl-C (SIGINT to the process group)', 'SIGINT', 'group'],
    ['SIGTERM to the process group', 'SIGTERM', 'group'],
  ] as const)('%s: the bot shuts down gracefully, npm exits 0, nothing is left listening', async (_name, signal, target) => {
    const bot = await npm();
    process.kill(target === 'pid' ? bot.pgid : -bot.pgid, signal);
    await expectGracefulStop(bot, signal);
  });
});

describe('node dist/main.js', () => {
  const node = (extra?: Record<string, string>) => start(process.execPath, ['dist/main.js'], { cwd: install, env: botEnv(env(extra)) });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: the bot shuts down gracefully and exits 0', async (signal) => {
    const bot = await node();
    process.kill(bot.pgid, signal);
    await expectGracefulStop(bot, signal);
  });

  it('a second signal during the shutdown does not cut it short (npm and a group signal both deliver one)', async () => {
    // Every send hangs until the bot's send timeout, so the shutdown waits for one in flight.
    const bot = await node({ SEND_TIMEOUT_MS: '1500' });
    sandbox.setChaos({ rate: 1, modes: ['hang'], sentBeforeLoss: 0 });
    try {
      const sends = sandbox.stats.sendRequests;
      const response = await pushEvent(`http://127.0.0.1:${bot.port}${WEBHOOK_PATH}`, remedySeedEvent({ appId: APP.appId, token: APP.verificationToken }), { encryptKey: APP.encryptKey });
      expect(response.status).toBe(200);
      await until(() => sandbox.stats.sendRequests > sends, 'a send in flight');
      process.kill(bot.pgid, 'SIGTERM');
      await until(() => messages(bot).includes('shutting down'), 'the shutdown to begin');
      process.kill(bot.pgid, 'SIGTERM');
      await expectGracefulStop(bot, 'SIGTERM');
      expect(messages(bot)).toContain('already shutting down');
    } finally {
      sandbox.setChaos(undefined);
    }
  });
});

/** Polls the condition of a real process (no clock of ours to advance). */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** [Service] settings of a unit file, each key with its values in order. */
function serviceSection(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (section !== 'Service' || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return settings;
}

/** systemd's word splitting, for the unquoted and double-quoted words a unit uses. */
function words(value: string): string[] {
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function seconds(value: string): number {
  const m = /^(\d+)\s*(s|sec|min)?$/.exec(value);
  if (!m) throw new Error(`unexpected time span ${value}`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
}

describe('the systemd unit (systemd itself is not run: the test runs its ExecStart as systemd would)', () => {
  const unit = serviceSection(readFileSync(UNIT, 'utf8'));
  const one = (key: string) => {
    const values = unit.get(key) ?? [];
    expect(values, key).toHaveLength(1);
    return values[0]!;
  };

  it('runs node dist/main.js, not npm, as an unprivileged user, restarts on failure, waits longer than the grace period', () => {
    const [executable, ...args] = words(one('ExecStart'));
    expect(isAbsolute(executable!) && basename(executable!)).toBe('node');
    expect(args).toEqual(['dist/main.js']);
    expect(one('User')).not.toMatch(/^(root|0)$/);
    expect(one('Restart')).toBe('on-failure');
    expect(unit.get('KillSignal') ?? ['SIGTERM']).toEqual(['SIGTERM']);
    expect(seconds(one('TimeoutStopSec')) * 1000).toBeGreaterThan(STOP_GRACE_MS);
    expect(one('ProtectSystem')).toBe('strict');
    // Under ProtectSystem=strict only the state directory is writable: the database must be in it.
    const environment = Object.fromEntries((unit.get('Environment') ?? []).flatMap(words).map((w) => w.split(/=(.*)/s).slice(0, 2)));
    const stateDir = `/var/lib/${one('StateDirectory')}`;
    expect(environment.DATABASE_URL).toMatch(new RegExp(`^file:${stateDir}/[^/]+$`));
    expect(unit.get('ReadWritePaths') ?? [stateDir]).toContain(stateDir);
  });

  it('its ExecStart, with its WorkingDirectory and Environment, stops gracefully on its KillSignal to the main process', async () => {
    const [, ...args] = words(one('ExecStart'));
    // Settings the operator puts in EnvironmentFile= override Environment= (systemd.exec); this
    // test's file names the sandbox, and a temporary directory stands in for the state directory.
    const state = mkdtempSync(join(tmpdir(), 'bot-state-'));
    const environment = Object.fromEntries((unit.get('Environment') ?? []).flatMap(words).map((w) => w.split(/=(.*)/s).slice(0, 2)));
    const databaseUrl = environment.DATABASE_URL!.replace(`/var/lib/${one('StateDirectory')}`, state);
    const { DATABASE_URL: _fromTest, ...environmentFile } = env();
    expect(one('WorkingDirectory')).toBe('/opt/feishu-approval-bot'); // the install copy stands in for it
    // systemd starts services with a clean environment, not the caller's.
    const bot = await start(process.execPath, args, {
      cwd: install,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...environment, DATABASE_URL: databaseUrl, ...environmentFile },
    });
    expect(await listening(bot.port)).toBe(true);
    const signal = (unit.get('KillSignal')?.[0] ?? 'SIGTERM') as NodeJS.Signals;
    process.kill(bot.pgid, signal); // KillMode=mixed: the main process gets the signal
    await expectGracefulStop(bot, signal);
    expect(readFileSync(join(state, basename(databaseUrl)))).not.toHaveLength(0);
    expect(dirname(databaseUrl.slice('file:'.length))).toBe(state);
  });
});
