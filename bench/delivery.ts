// `npm run bench`: drain 1,000 approvals for 100 employees and 2 team chats against the sandbox
// Open Platform enforcing Feishu's real limits, and print how fast and how cleanly it went.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot } from '../src/bot.js';
import { loadConfig } from '../src/config.js';
import { FEISHU_RATE_LIMITS } from '../src/delivery/rate-limit.js';
import { silentLogger } from '../src/log.js';
import { WEBHOOK_PATH } from '../src/receivers/webhook.js';
import { feishuRequest } from '../src/sandbox/feishu-push.js';
import { FEISHU_SEND_LIMITS, startSandbox } from '../src/sandbox/open-platform.js';
import { sandboxEnv, SANDBOX_APP } from '../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../src/sandbox/seed-events.js';

const EVENTS = 1000;
const EMPLOYEES = 100;
const CHATS = ['oc_bench_managers', 'oc_bench_hr'];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-delivery-'));
  const sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret, limits: FEISHU_SEND_LIMITS });
  // Every chat gets every card: the delivery figures measure sends, not team lookups.
  const config = loadConfig({ ...sandboxEnv(sandbox.url, join(dir, 'bot.sqlite')), NOTIFY_CHAT_IDS: CHATS.join(','), TEAM_ROUTING: 'all' });
  const bot = await startBot({ config, log: silentLogger, hostname: '127.0.0.1' });
  try {
    const bodies = Array.from({ length: EVENTS }, (_, i) =>
      feishuRequest(
        remedySeedEvent(
          { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken, eventId: `ev_bench_${i}` },
          { instance_code: `B-${i}`, employee_id: `u_${i % EMPLOYEES}`, remedy_time: 1_763_700_000_000 + i * 1000 },
        ),
        { encryptKey: SANDBOX_APP.encryptKey },
      ),
    );
    const started = performance.now();
    const startedAt = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < bodies.length) {
          const { body, headers } = bodies[next++]!;
          const response = await fetch(bot.url + WEBHOOK_PATH, { method: 'POST', body, headers });
          if (response.status !== 200) throw new Error(`event refused: ${response.status} ${await response.text()}`);
        }
      }),
    );
    const ingested = performance.now() - started;

    while (!(await bot.store.deliveries()).every((d) => d.status === 'sent')) {
      if ((await bot.store.deliveries({ status: 'dead' })).length > 0) throw new Error('a delivery died');
      await new Promise((r) => setTimeout(r, 100));
    }
    const drained = performance.now() - started;

    const times = sandbox.messages.map((m) => m.at).sort((a, b) => a - b);
    const sends = times.length;
    const backlogSeconds = (times.at(-1)! - startedAt) / 1000;
    // While the per-minute budget lasts (the first 1000 sends), 50/s is the binding limit.
    const budget = Math.min(sends, FEISHU_RATE_LIMITS.appPerMinute);
    const burstSeconds = (times[budget - 1]! - times[0]!) / 1000;
    const burstRate = (budget - 1) / burstSeconds;
    const overallRate = sends / backlogSeconds;
    // The most any app could send in that time under both app limits (sliding windows).
    const perSecond = FEISHU_RATE_LIMITS.appPerSecond;
    const perMinute = FEISHU_RATE_LIMITS.appPerMinute;
    const ceiling = Math.floor(backlogSeconds / 60) * perMinute + Math.min(perMinute, perSecond * (backlogSeconds % 60));
    const chatMessages = sandbox.messages.filter((m) => m.receiveIdType === 'chat_id').length;
    const fmt = (n: number, d = 2) => n.toFixed(d);

    console.log(`delivery benchmark — ${EVENTS} events, ${EMPLOYEES} employees, ${CHATS.length} team chats; sandbox enforcing 50/s, 1000/min per app, 5/s per chat and per user`);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
    console.log(`events acknowledged:        ${EVENTS} in ${fmt(ingested / 1000)} s`);
    console.log(`time to drain:              ${fmt(drained / 1000)} s`);
    console.log(`messages sent:              ${sends} (${sends - chatMessages} direct messages, ${chatMessages} team-chat messages for ${EVENTS * CHATS.length} team cards)`);
    console.log(`send rate, first ${budget} sends: ${fmt(burstRate, 1)}/s = ${fmt(burstRate / FEISHU_RATE_LIMITS.appPerSecond)} of the 50/s limit (target ≥ 0.95)`);
    console.log(`send rate, whole backlog:   ${fmt(overallRate, 1)}/s = ${fmt(overallRate / perSecond)} of 50/s, ${fmt(sends / ceiling)} of the ${Math.round(ceiling)} sends 50/s and 1000/min together allow in ${fmt(backlogSeconds, 1)} s`);
    console.log(`limit errors:               ${sandbox.stats.limitErrors} (target 0)`);
    console.log(`team-chat messages:         ${chatMessages}`);
  } finally {
    await bot.stop();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
