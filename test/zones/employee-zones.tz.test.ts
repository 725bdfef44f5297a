// Each employee's zone: override, then the attendance group's zone (from the sandbox's attendance
// API through the real SDK), then TIMEZONE; cached, shared, and never blocking for long.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { employeeZones } from '../../src/zones/employee-zones.js';
import { burst, pushAll } from '../support/burst.js';
import { APP, cardText, eventually, startHarness, type Harness } from '../support/harness.js';

const DIRECTORY = {
  users: { u_tokyo: 'g_tokyo', u_berlin: 'g_berlin', u_nyc: 'g_nyc' },
  groups: { g_tokyo: 'Asia/Tokyo', g_berlin: 'Europe/Berlin', g_nyc: 'America/New_York' },
};

let sandbox: Sandbox | undefined;
let h: Harness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await sandbox?.close();
  await h?.close();
  sandbox = undefined;
  h = undefined;
});

async function resolver(options: { overrides?: Record<string, string>; timeoutMs?: number } = {}) {
  sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
  sandbox.setAttendance(DIRECTORY);
  const logs: string[] = [];
  const client = createFeishuClient({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret, baseUrl: sandbox.url, log: silentLogger });
  const zones = employeeZones({
    overrides: new Map(Object.entries(options.overrides ?? {})),
    defaultZone: 'Asia/Shanghai',
    attendance: client,
    log: createLogger({ write: (l) => logs.push(l) }),
    timeoutMs: options.timeoutMs,
  });
  return { zones, logs, sandbox };
}

describe('employee time zones', () => {
  it('takes an override first, then the attendance group, then TIMEZONE', async () => {
    const { zones } = await resolver({ overrides: { ou_override: 'Australia/Lord_Howe', u_berlin: 'Asia/Tokyo' } });
    expect(await zones.zoneFor({ userId: 'u_x', openId: 'ou_override' }, '2026-11-21')).toEqual({ zone: 'Australia/Lord_Howe', source: 'override' });
    expect(await zones.zoneFor({ userId: 'u_berlin' }, '2026-11-21')).toEqual({ zone: 'Asia/Tokyo', source: 'override' });
    expect(await zones.zoneFor({ userId: 'u_nyc' }, '2026-11-21')).toEqual({ zone: 'America/New_York', source: 'attendance' });
    expect(await zones.zoneFor({ userId: 'u_nobody' }, '2026-11-21')).toEqual({ zone: 'Asia/Shanghai', source: 'default' });
    expect(await zones.zoneFor({ openId: 'ou_only' }, '2026-11-21')).toEqual({ zone: 'Asia/Shanghai', source: 'default' });
  });

  it('asks at most once per user and day, also when many ask at once', async () => {
    const { zones, sandbox } = await resolver();
    const answers = await Promise.all(Array.from({ length: 100 }, () => zones.zoneFor({ userId: 'u_tokyo' }, '2026-11-21')));
    expect(new Set(answers.map((a) => a.zone))).toEqual(new Set(['Asia/Tokyo']));
    expect(sandbox.attendanceStats.shiftQueries).toBe(1);
    await zones.zoneFor({ userId: 'u_tokyo' }, '2026-11-22');
    expect(sandbox.attendanceStats.shiftQueries).toBe(2); // another day
    expect(sandbox.attendanceStats.groupQueries).toBe(1); // the group's zone is cached too
  });

  it('falls back to TIMEZONE when the API refuses (no scope), and logs it once per user and day', async () => {
    const { zones, logs, sandbox } = await resolver();
    sandbox.setAttendanceFault({ mode: 'error', code: 99991672, msg: 'Access denied: attendance:rule:readonly' });
    for (let i = 0; i < 5; i++) expect((await zones.zoneFor({ userId: 'u_tokyo' }, '2026-11-21')).zone).toBe('Asia/Shanghai');
    const warnings = logs.filter((l) => l.includes('falls back'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('99991672');
  });

  it('falls back after 2 s when the API hangs for 3 s', async () => {
    const { zones, logs, sandbox } = await resolver();
    sandbox.setAttendanceFault({ mode: 'hang', ms: 3000 });
    // A fake clock for the 2 s timeout and the sandbox's 3 s hang; the HTTP underneath stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let settled = false;
    const answer = zones.zoneFor({ userId: 'u_tokyo' }, '2026-11-21').finally(() => (settled = true));
    // Asked, and hanging. (Not vi.waitFor: under fake timers it moves the clock on as it polls.)
    const deadline = performance.now() + 5000;
    while (sandbox.attendanceStats.shiftQueries === 0 && performance.now() < deadline) await new Promise(setImmediate);
    expect(sandbox.attendanceStats.shiftQueries).toBe(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    expect((await answer).zone).toBe('Asia/Shanghai');
    expect(logs.some((l) => l.includes('no answer within 2000 ms'))).toBe(true);
  });
});

describe('cards in the employee\'s zone', () => {
  it('shows a Tokyo employee their local time; the team card adds the time in TIMEZONE', async () => {
    h = await startHarness();
    h.sandbox.setAttendance(DIRECTORY);
    await h.push(remedySeedEvent({ appId: APP.appId, token: APP.verificationToken }, { employee_id: 'u_tokyo', remedy_time: Date.UTC(2026, 10, 21, 5, 3) }));
    const messages = await h.sandbox.waitForMessages(2);
    const dm = messages.find((m) => m.receiveIdType === 'user_id')!;
    const team = messages.find((m) => m.receiveIdType === 'chat_id')!;
    expect(cardText(dm.card)).toContain('补卡 approved for 14:03');
    expect(cardText(dm.card)).toContain('Clock-in time:** 2026-11-21 14:03 (GMT+9)');
    expect(cardText(dm.card)).not.toContain('Asia/Shanghai');
    expect(cardText(team.card)).toContain('Clock-in time:** 2026-11-21 14:03 (GMT+9)');
    expect(cardText(team.card)).toContain('In Asia/Shanghai:** 2026-11-21 13:03 (GMT+8)');
  });

  it('reads a 换班 wall-clock time in the employee\'s zone', async () => {
    h = await startHarness();
    h.sandbox.setAttendance({ users: { u_berlin: 'g_berlin' }, groups: DIRECTORY.groups });
    await h.push(shiftSeedEvent({ appId: APP.appId, token: APP.verificationToken }, { employee_id: 'u_berlin', shift_time: '2026-03-29 02:30:00', return_time: '' }));
    const messages = await h.sandbox.waitForMessages(2);
    const team = messages.find((m) => m.receiveIdType === 'chat_id')!;
    // 02:30 does not exist in Berlin that night: it moves forward by the gap.
    expect(cardText(team.card)).toContain('Shift:** 2026-03-29 03:30 (GMT+2) (one way, no return)');
    expect(cardText(team.card)).toContain('In Asia/Shanghai:** shift 2026-03-29 09:30 (GMT+8)');
  });

  it('looks a user up once per day for a burst of 100 approvals', async () => {
    // Feishu's 5 sends per user and second would stretch 100 DMs to one user over 20 s; the lookups
    // are what is counted here, so both the bot's and the sandbox's limits are lifted.
    h = await startHarness({ env: { NOTIFY_CHAT_IDS: '', RATE_LIMIT_USER_PER_SECOND: '1000', RATE_LIMIT_APP_PER_SECOND: '1000' }, sandbox: { limits: false } });
    h.sandbox.setAttendance(DIRECTORY);
    const events = burst(100, 1).map((e) => ({ ...e, event: { object: { ...e.event.object, employee_id: 'u_tokyo', remedy_time: Date.UTC(2026, 10, 21, 1) } } }));
    await pushAll(h.push, events, 10);
    await eventually(async () => (await h!.bot.store.deliveries()).every((d) => d.status === 'sent'), 'all sent', 30_000);
    expect(h.sandbox.attendanceStats.shiftQueries).toBe(1);
  }, 40_000);

  it('never holds a delivery back for long when the attendance API hangs', async () => {
    h = await startHarness();
    h.sandbox.setAttendanceFault({ mode: 'hang', ms: 3000 });
    const started = Date.now();
    await h.push(remedySeedEvent({ appId: APP.appId, token: APP.verificationToken }));
    await h.sandbox.waitForMessages(2, 5000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(cardText(h.sandbox.messages[0]!.card)).toContain('(GMT+8)');
  });
});
