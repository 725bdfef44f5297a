// Side by side: the bot's full ingest path (verify, decrypt, parse, durable dedupe and outbox
// write, acknowledge) against the seed pages' reference receiver, on the same N unique encrypted
// and signed events fired by the closed-loop generator (closed-loop.ts) over 20 connections. Each
// server runs in its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { closedLoop, quantile } from './closed-loop.js';
import { WEBHOOK_PATH } from '../src/receivers/webhook.js';
import { feishuRequest } from '../src/sandbox/feishu-push.js';
import { startSandbox } from '../src/sandbox/open-platform.js';
import { sandboxEnv, SANDBOX_APP } from '../src/sandbox/sandbox-settings.js';
import { remedySeedEvent, shiftSeedEvent } from '../src/sandbox/seed-events.js';

const N = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROOT = resolve(import.meta.dirname, '..');

export interface Figures {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  /** Server CPU (user + system, all threads) per acknowledged event. */
  cpuUsPerEvent: number;
  non2xx: number;
  errors: number;
  /** performance.now() of the first request and the last answer; acknowledged events. */
  first: number;
  last: number;
  ok: number;
}

export function events(prefix: string, n = N) {
  const identity = (i: number) => ({ appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken, eventId: `${prefix}_${i}` });
  return Array.from({ length: n }, (_, i) =>
    feishuRequest(
      i % 2 === 0
        ? remedySeedEvent(identity(i), { instance_code: `${prefix}-R-${i}`, employee_id: `u_${i % 500}` })
        : shiftSeedEvent(identity(i), { instance_code: `${prefix}-S-${i}`, open_id: `ou_${i % 500}` }),
      { encryptKey: SANDBOX_APP.encryptKey },
    ),
  );
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) in the text of a /proc/<pid>/stat file. */
export function statCpuSeconds(stat: string): number {
  const fields = stat.split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/**
 * Resident set size from /proc (0.1 ms). Not by spawning `ps`: that blocked this process — the
 * load generator — for ~25 ms ten times a second per server measured, so two servers measured at
 * once stalled the generator about half of the time and halved their figures.
 */
function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

export async function listening(child: ChildProcess): Promise<number> {
  // Only the start-up lines are kept; after that the log is drained and dropped, so the bench
  // process (which also runs the load generator) spends nothing on the server's log lines.
  let out = '';
  return new Promise((resolvePort, reject) => {
    const look = (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('listening"'));
      if (!line) return;
      child.stdout!.off('data', look);
      child.stdout!.on('data', () => {});
      resolvePort(JSON.parse(line).port);
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

export async function fire(name: string, child: ChildProcess, url: string, bodies: ReturnType<typeof events>, connections = 20): Promise<Figures> {
  let peak = 0;
  const cpuBefore = cpuSeconds(child.pid!);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!))), 100);
  const result = await closedLoop(url, bodies, connections);
  clearInterval(sampler);
  const cpu = cpuSeconds(child.pid!) - cpuBefore;
  peak = Math.max(peak, rssMb(child.pid!));
  return {
    name,
    perSecond: result.ok / ((result.last - result.first) / 1000 || 1),
    p50: quantile(result.latencies, 0.5),
    p99: quantile(result.latencies, 0.99),
    peakRssMb: peak,
    cpuUsPerEvent: (cpu * 1e6) / (result.ok || 1),
    non2xx: result.non2xx,
    errors: result.errors,
    first: result.first,
    last: result.last,
    ok: result.ok,
  };
}

/** package.json's `start` script, `[exec] node [flags…] <script>`, split into the flags and the script. */
export function startCommand(): [string[], string] {
  const start: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const [command, ...args] = start.trim().replace(/^exec\s+/, '').split(/\s+/);
  if (command !== 'node' || args.length === 0) throw new Error(`bench expects "start" to be "node [flags] <script>", not ${JSON.stringify(start)}`);
  return [args.slice(0, -1), args.at(-1)!];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
  try {
    // The bot, exactly as npm start runs it (dist/, built by prebench); start-to-ready is until
    // /readyz answers 200.
    const [nodeFlags, script] = startCommand();
    const started = performance.now();
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
    const bot = spawn(process.execPath, [...nodeFlags, ...profile, join(ROOT, script)], {
      cwd: ROOT,
      // Logging at info, as in production: one line per event and per delivery is part of the cost.
      env: { ...process.env, ...sandboxEnv(sandbox.url, join(dir, 'bot.sqlite')), LOG_LEVEL: 'info', PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const botPort = await listening(bot);
    let readyMs = NaN;
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${botPort}/readyz`).catch(() => undefined);
      if (r?.status === 200) {
        readyMs = performance.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const botFigures = await fire('bot', bot, `http://127.0.0.1:${botPort}${WEBHOOK_PATH}`, events('bench_bot'));
    bot.kill('SIGTERM');

    const reference = spawn(process.execPath, [join(ROOT, 'bench/reference-receiver.mjs')], {
      cwd: ROOT,
      env: { ...process.env, FEISHU_ENCRYPT_KEY: SANDBOX_APP.encryptKey, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const refPort = await listening(reference);
    const refFigures = await fire('reference', reference, `http://127.0.0.1:${refPort}${WEBHOOK_PATH}`, events('bench_ref'));
    reference.kill('SIGTERM');

    console.log(`ingest benchmark — ${N} unique encrypted, signed events, 20 keep-alive connections (closed loop)`);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
    for (const f of [botFigures, refFigures]) {
      console.log(
        `${f.name.padEnd(10)} ${f.perSecond.toFixed(0).padStart(6)} events/s  p50 ${f.p50} ms  p99 ${f.p99} ms  peak RSS ${f.peakRssMb.toFixed(0)} MB  CPU ${f.cpuUsPerEvent.toFixed(0)} µs/event  non-2xx ${f.non2xx}  errors ${f.errors}`,
      );
    }
    console.log(`bot/reference throughput: ${(botFigures.perSecond / refFigures.perSecond).toFixed(2)} (target ≥ 1.0)`);
    console.log(`bot start to ready: ${(readyMs / 1000).toFixed(2)} s (target ≤ 1.5 s); targets: p99 ≤ 10 ms, peak RSS ≤ 200 MB`);
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
