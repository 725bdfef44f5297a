// The bot as a child process (`node dist/main.js`, built by the suite's global set-up), as an
// operator runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BotProcess {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
  /** Resolves with the port once the bot logs that it listens. */
  ready: Promise<number>;
}

/**
 * Runs `dist/<script>` as `npm start` does (one process, so a signal reaches the bot itself),
 * with these variables and no Feishu secrets inherited from the caller.
 */
export function spawnScript(script: string, args: string[], env: Record<string, string>, cwd = ROOT) {
  return spawn(process.execPath, [join(ROOT, 'dist', script), ...args], {
    cwd,
    env: botEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The caller's environment without its Feishu settings, plus these. */
export function botEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN, DATABASE_URL, ...inherited } = process.env;
  return { ...inherited, ...env };
}

export function spawnBot(env: Record<string, string>, cwd = ROOT): BotProcess {
  return watchBot(spawnScript('main.js', [], env, cwd));
}

/** Collects the output of a bot started by `child`, which may be the bot or npm or a shell running it. */
export function watchBot(child: ChildProcess): BotProcess {
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (output.stdout += d));
  child.stderr!.on('data', (d) => (output.stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const ready = new Promise<number>((resolvePort, reject) => {
    const check = () => {
      const line = output.stdout.split('\n').find((l) => l.includes('"bot listening"'));
      if (line) return resolvePort(JSON.parse(line).port);
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`the bot exited: ${output.stderr}`));
      setTimeout(check, 25);
    };
    check();
  });
  ready.catch(() => {}); // a test that expects the bot to stop never awaits it
  return { child, output, exited, ready };
}

/** What GET /readyz of a bot at `base` (http://127.0.0.1:port) answers. */
export async function readiness(base: string): Promise<{ ready: boolean; checks: Record<string, Record<string, unknown>> }> {
  return (await fetch(`${base}/readyz`)).json() as Promise<{ ready: boolean; checks: Record<string, Record<string, unknown>> }>;
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: Record<string, string>) {
  const child = spawnScript('cli.js', args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, stdout, stderr };
}

/** The first port the kernel hands out to outgoing connections (Linux; elsewhere, a usual value). */
function ephemeralPortsFrom(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > 11_000) return low;
  } catch {
    // not Linux
  }
  return 32_768;
}

const canListen = (port: number) =>
  new Promise<boolean>((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    // Where the bot listens: every interface (which also fails when 127.0.0.1:port is taken).
    server.listen(port, () => server.close(() => resolveFree(true)));
  });

/** Ports this process handed out: a process it started may not have bound its port yet. */
const handedOut = new Set<number>();
/** Slices of the range, one per vitest worker at a time (VITEST_POOL_ID is 1 to maxWorkers). */
const SLICES = 16;

/**
 * A port for a process the test starts, free now. Taken below the ephemeral range: a port there
 * (what listen(0) gives) can be taken, before the process binds it, as the local end of any
 * outgoing connection on the machine — a test's bot once failed with EADDRINUSE that way. Each
 * worker draws from its own slice of the range and never hands a port out twice: two workers (or
 * two tests of one) once drew the same free port, and the later of the two bots to bind it failed.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralPortsFrom();
  const span = Math.floor((below - 10_000) / SLICES);
  const from = 10_000 + (Number(process.env.VITEST_POOL_ID ?? 0) % SLICES) * span;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = from + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${from} and ${from + span}`);
}
