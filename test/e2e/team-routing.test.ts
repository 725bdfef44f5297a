// Each team sees its own people: team cards routed by chat membership, department and attendance
// group, against the sandbox's chat-member, contact and attendance APIs over real HTTP.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { runCli } from '../support/bot-process.js';
import { APP, eventually, sleep, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };
const TWO_TEAMS = {
  chats: { oc_sales: { members: ['u_zhang', 'u_boss'] }, oc_ops: { members: ['u_li', 'u_boss'] } },
  users: {
    u_zhang: { openId: 'ou_zhang', name: '张三', departments: ['od-saleseast'] },
    u_li: { openId: 'ou_li', name: '李四', departments: ['od-ops001'] },
    u_wang: { openId: 'ou_wang', name: '王五', departments: ['od-ops001'] },
    u_boss: { openId: 'ou_boss', name: 'Boss', departments: ['od-salesroot'] },
  },
  departments: {
    'od-salesroot': { name: 'Sales' },
    'od-saleseast': { name: 'Sales East', parent: 'od-salesroot' },
    'od-ops001': { name: 'Ops' },
  },
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function twoTeams(env: Record<string, string> = {}) {
  h = await startHarness({ env: { NOTIFY_CHAT_IDS: 'oc_sales,oc_ops', ...env } });
  h.sandbox.setDirectory(TWO_TEAMS);
  return h;
}

const remedyOf = (userId: string, instance: string) => remedySeedEvent(identity, { employee_id: userId, instance_code: instance });
const shiftOf = (openId: string, instance: string) => shiftSeedEvent(identity, { employee_id: '', open_id: openId, instance_code: instance });
const membershipEvent = (type: string, chatId: string) => ({
  schema: '2.0',
  header: { event_id: `ev_${crypto.randomUUID().replaceAll('-', '')}`, token: APP.verificationToken, create_time: String(Date.now()), event_type: type, tenant_key: 't', app_id: APP.appId },
  event: { chat_id: chatId, users: [{ name: '王五', user_id: { user_id: 'u_wang', open_id: 'ou_wang' } }] },
});

const chatCards = (chatId: string) => h!.sandbox.messages.filter((m) => m.receiveId === chatId);
const summary = (card: Record<string, unknown>) => (card.config as { summary: { i18n_content: Record<string, string> } }).summary.i18n_content;
const routeRow = async (instanceCode: string) => (await h!.bot.store.deliveries()).find((d) => d.audience === 'route' && d.instanceCode === instanceCode);

describe('TEAM_ROUTING=members (the default for more than one team chat)', () => {
  it('sends each team chat only its own members\' cards, named, and every employee their DM', async () => {
    await twoTeams();
    await h!.push(remedyOf('u_zhang', 'R-ZHANG'));
    await h!.push(shiftOf('ou_li', 'S-LI'));
    await eventually(async () => chatCards('oc_sales').length === 1 && chatCards('oc_ops').length === 1, 'one card in each team chat');
    await eventually(async () => h!.sandbox.messages.length === 4, 'and both DMs');
    await sleep(200); // a stray card to the wrong chat would show up here

    const [sales] = chatCards('oc_sales');
    const [ops] = chatCards('oc_ops');
    expect(sales!.card).toMatchObject({ body: { elements: expect.arrayContaining([expect.objectContaining({ tag: 'person', user_id: 'u_zhang' })]) } });
    expect(summary(sales!.card).zh_cn).toMatch(/^补卡 · 张三 · \d\d:\d\d$/);
    expect(summary(sales!.card).en_us).toMatch(/^补卡 approved for 张三 · \d\d:\d\d$/);
    expect(summary(sales!.card).ja_jp).toMatch(/^打刻修正 · 张三 · \d\d:\d\d$/);
    expect(summary(ops!.card)).toEqual({ zh_cn: '换班 · 李四 · 12-01 ↔ 12-02', en_us: 'Shift change · 李四 · 12-01 ↔ 12-02', ja_jp: 'シフト交代 · 李四 · 12-01 ↔ 12-02' });
    expect(h!.sandbox.messages.filter((m) => m.receiveIdType !== 'chat_id').map((m) => m.receiveId).sort()).toEqual(['ou_li', 'u_zhang']);

    // Why each chat got the card or not, recorded and shown by the CLI.
    expect((await routeRow('R-ZHANG'))).toMatchObject({ status: 'sent', decision: 'oc_sales: sent (member of the chat); oc_ops: not sent (not a member of the chat)' });
    const listed = await runCli(['deliveries'], { DATABASE_URL: `file:${join(h!.dir, 'bot.sqlite')}` });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/chat_id:team chats\s+remedy\/route .*oc_sales: sent \(member of the chat\); oc_ops: not sent \(not a member of the chat\)/);
    expect(listed.stdout).toMatch(/chat_id:oc_sales\s+remedy\/team .*member of the chat/);
  });

  it('asks each chat for its members once for a burst of approvals', async () => {
    await twoTeams();
    for (let i = 0; i < 20; i++) await h!.push(remedyOf(i % 2 ? 'u_zhang' : 'u_li', `R-BURST-${i}`));
    // Counted by approval: a chat with a backlog may get some of them as one digest.
    const shownIn = (i: number) =>
      h!.sandbox.messages
        .filter((m) => m.receiveIdType === 'chat_id' && [...JSON.stringify(m.card).matchAll(/R-BURST-(\d+)/g)].some((match) => Number(match[1]) === i))
        .map((m) => m.receiveId);
    await eventually(async () => Array.from({ length: 20 }, (_, i) => shownIn(i).length === 1).every(Boolean), 'each approval in one team chat', 10_000);
    for (let i = 0; i < 20; i++) expect(shownIn(i)).toEqual([i % 2 ? 'oc_sales' : 'oc_ops']);
    expect(h!.sandbox.directoryStats.byChat).toEqual({ oc_sales: 1, oc_ops: 1 });
  });

  it('sends to no team chat for an employee in none of them: the DM only, logged once a day, counted', async () => {
    await twoTeams();
    await h!.push(remedyOf('u_wang', 'R-WANG-1'));
    await h!.push(remedyOf('u_wang', 'R-WANG-2'));
    await eventually(async () => (await h!.bot.store.deliveries()).filter((d) => d.audience === 'route' && d.status === 'sent').length === 2, 'both decided');
    await eventually(async () => h!.sandbox.messages.length === 2, 'the two DMs');
    expect(h!.sandbox.messages.every((m) => m.receiveId === 'u_wang')).toBe(true);
    expect(h!.logs.filter((l) => l.includes('employee matches no team chat'))).toHaveLength(1);
    const metrics = await (await fetch(h!.bot.url + '/metrics')).text();
    expect(metrics).toContain('approval_bot_team_routing_total{outcome="unmatched"} 2');
  });

  it('sees a new member at once when Feishu says the chat changed, not after the cache expires', async () => {
    await twoTeams();
    await h!.push(remedyOf('u_wang', 'R-BEFORE'));
    await eventually(async () => (await routeRow('R-BEFORE'))?.status === 'sent', 'decided: in no chat');
    h!.sandbox.addChatMember('oc_ops', 'u_wang');
    await h!.push(membershipEvent('im.chat.member.user.added_v1', 'oc_ops'));
    await h!.push(remedyOf('u_wang', 'R-AFTER'));
    await eventually(async () => chatCards('oc_ops').length === 1, 'the card in the chat Wang joined');
    expect(summary(chatCards('oc_ops')[0]!.card).zh_cn).toContain('王五');
    expect(h!.sandbox.directoryStats.byChat.oc_ops).toBe(2);

    // …and the same when someone leaves.
    h!.sandbox.removeChatMember('oc_ops', 'u_wang');
    await h!.push(membershipEvent('im.chat.member.user.deleted_v1', 'oc_ops'));
    await h!.push(remedyOf('u_wang', 'R-LEFT'));
    await eventually(async () => (await routeRow('R-LEFT'))?.status === 'sent', 'decided');
    expect((await routeRow('R-LEFT'))!.decision).toContain('oc_ops: not sent (not a member of the chat)');
    expect(chatCards('oc_ops')).toHaveLength(1);
  });

  it('stops sending to a chat the bot was removed from, with one warning, and still serves the other', async () => {
    await twoTeams();
    h!.sandbox.setBotInChat('oc_ops', false);
    await h!.push(membershipEvent('im.chat.member.bot.deleted_v1', 'oc_ops'));
    await h!.push(remedyOf('u_boss', 'R-BOSS-1'));
    await h!.push(remedyOf('u_boss', 'R-BOSS-2'));
    await eventually(async () => chatCards('oc_sales').length === 2, 'both cards in the chat the bot is still in');
    expect(chatCards('oc_ops')).toHaveLength(0);
    expect((await routeRow('R-BOSS-1'))!.decision).toContain('oc_ops: not sent (');
    expect(h!.logs.filter((l) => l.includes('cannot read the members of a NOTIFY_CHAT_IDS chat'))).toHaveLength(1);
  });
});

describe('faults in the lookups', () => {
  it('delays the team cards through an outage and sends each once after it; the DM does not wait', async () => {
    await twoTeams();
    h!.sandbox.setDirectoryFault('chatMembers', { mode: 'error', status: 503, msg: 'service unavailable' });
    await h!.push(remedyOf('u_zhang', 'R-OUTAGE'));
    await eventually(async () => h!.sandbox.messages.some((m) => m.receiveId === 'u_zhang'), 'the DM, during the outage');
    await eventually(async () => ((await routeRow('R-OUTAGE'))?.attempts ?? 0) >= 2, 'routing retried');
    expect((await routeRow('R-OUTAGE'))).toMatchObject({ status: 'pending', lastError: expect.stringContaining('503') });
    expect(chatCards('oc_sales')).toHaveLength(0);

    h!.sandbox.setDirectoryFault('chatMembers', undefined);
    await eventually(async () => chatCards('oc_sales').length === 1, 'the team card after the outage', 5000);
    await sleep(300);
    expect(chatCards('oc_sales')).toHaveLength(1);
    expect(chatCards('oc_ops')).toHaveLength(0);
  });

  it('treats a missing scope as configuration: one warning naming it, no retry storm, the row kept to re-queue', async () => {
    await twoTeams();
    h!.sandbox.setDirectoryFault('chatMembers', { mode: 'permission' });
    for (const i of [1, 2, 3]) await h!.push(remedyOf('u_zhang', `R-SCOPE-${i}`));
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'dead' })).length === 3, 'three route rows dead');
    await eventually(async () => h!.sandbox.messages.length === 3, 'the three DMs all the same');
    const dead = (await routeRow('R-SCOPE-1'))!;
    expect(dead.lastError).toMatch(/^missing scope im:chat[\w.:]*: chats that depend on it got no card; add it, then requeue this row$/);
    expect(dead.decision).toContain('oc_sales: not sent (unknown: missing scope');
    const warnings = h!.logs.filter((l) => l.includes('lack of scope'));
    expect(warnings).toHaveLength(1);
    // The refusal is remembered: the member list was asked for once per chat, not once per card.
    expect(h!.sandbox.directoryStats.byChat).toEqual({ oc_sales: 1, oc_ops: 1 });

    // The admin adds the scope; the refusal ages out of the cache (or the bot restarts); re-queue.
    h!.sandbox.setDirectoryFault('chatMembers', undefined);
    await h!.restart();
    const requeued = await runCli(['requeue', '--all-dead'], { DATABASE_URL: `file:${join(h!.dir, 'bot.sqlite')}` });
    expect(requeued.stdout).toBe('re-queued 3 dead deliveries\n');
    await eventually(async () => chatCards('oc_sales').length === 3, 'the three team cards');
    expect(chatCards('oc_ops')).toHaveLength(0);
  });

  it('names no one in the preview when the contact API refuses, and never shows a raw id there', async () => {
    await twoTeams({ TEAM_ROUTING: 'all', NOTIFY_CHAT_IDS: 'oc_sales' });
    h!.sandbox.setDirectoryFault('user', { mode: 'permission' });
    await h!.push(remedyOf('u_zhang', 'R-NONAME-1'));
    await h!.push(remedyOf('u_zhang', 'R-NONAME-2'));
    await eventually(async () => chatCards('oc_sales').length === 2, 'the team cards, without names');
    for (const card of chatCards('oc_sales')) {
      expect(summary(card.card).zh_cn).toMatch(/^补卡已通过 · \d\d:\d\d$/);
      expect(JSON.stringify(summary(card.card))).not.toContain('u_zhang');
    }
    expect(h!.logs.filter((l) => l.includes('names: Feishu refuses the contact lookup'))).toHaveLength(1);
  });
});

describe('departments and attendance groups in CONFIG_FILE', () => {
  function configFile(json: unknown): string {
    const file = join(mkdtempSync(join(tmpdir(), 'teams-')), 'bot.json');
    writeFileSync(file, JSON.stringify(json));
    return file;
  }

  it('routes by department (sub-departments included) and by attendance group, as a union', async () => {
    const file = configFile({
      departments: { 'od-salesroot': ['oc_sales_managers'] },
      attendance_groups: { '6919358128597097404': ['oc_night_shift'] },
    });
    h = await startHarness({ env: { NOTIFY_CHAT_IDS: '', CONFIG_FILE: file } });
    h.sandbox.setDirectory(TWO_TEAMS);
    h.sandbox.setAttendance({ users: { u_li: '6919358128597097404', u_zhang: '6919358128597097404' }, groups: { '6919358128597097404': 'Asia/Shanghai' } });

    await h.push(remedyOf('u_zhang', 'R-DEPT')); // Sales East, under Sales; night shift
    await h.push(remedyOf('u_li', 'R-GROUP')); // Ops; night shift
    await h.push(remedyOf('u_wang', 'R-NONE')); // Ops; no group
    await eventually(async () => (await h!.bot.store.deliveries()).filter((d) => d.audience === 'route' && d.status === 'sent').length === 3, 'three decisions');
    await eventually(async () => h!.sandbox.messages.length === 6, 'three DMs and three team cards');
    expect(chatCards('oc_sales_managers').map((m) => summary(m.card).zh_cn)).toEqual([expect.stringContaining('张三')]);
    expect(chatCards('oc_night_shift').map((m) => summary(m.card).zh_cn).sort()).toEqual([expect.stringContaining('张三'), expect.stringContaining('李四')].sort());
    expect((await routeRow('R-DEPT'))!.decision).toBe('oc_sales_managers: sent (departments["od-salesroot"]); oc_night_shift: sent (attendance_groups["6919358128597097404"])');
    expect((await routeRow('R-NONE'))!.decision).toBe('oc_sales_managers: not sent (not in a mapped department); oc_night_shift: not sent (in no attendance group that day)');
  });

  it('reports ids Feishu does not know at start-up, naming each', async () => {
    const file = configFile({ departments: { 'od-salesroot': ['oc_a'], 'od-typo99': ['oc_a'] }, attendance_groups: { '123': ['oc_b'] } });
    h = await startHarness({ env: { NOTIFY_CHAT_IDS: 'oc_sales,oc_gone', CONFIG_FILE: file } });
    h.sandbox.setDirectory({ ...TWO_TEAMS, chats: { oc_sales: TWO_TEAMS.chats.oc_sales } });
    await h.bot.routingChecked;
    h.logs.length = 0; // the first start checked an empty directory
    await h.restart(); // the check runs at start, against the directory now set
    await h.bot.routingChecked;
    const warnings = h.logs.filter((l) => l.includes('"level":"warn"'));
    expect(warnings.some((l) => l.includes('CONFIG_FILE departments: od-typo99 not found'))).toBe(true);
    expect(warnings.some((l) => l.includes('CONFIG_FILE attendance_groups: 123 not found'))).toBe(true);
    expect(warnings.some((l) => l.includes('NOTIFY_CHAT_IDS (TEAM_ROUTING=members): oc_gone not found'))).toBe(true);
    expect(warnings.some((l) => l.includes('od-salesroot') || l.includes('oc_sales '))).toBe(false);
  });
});
