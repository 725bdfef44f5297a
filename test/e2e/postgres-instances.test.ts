// Several instances on one PostgreSQL database, run as an operator runs them: processes behind a
// round-robin, one of them killed with -9 while it sends.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { leaveSeedEvent, remedySeedEvent, revertSeedEvent } from '../../src/sandbox/seed-events.js';
import { burst, exactlyOnce, pushAll } from '../support/burst.js';
import { eventually, sleep } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';

const pg_ = postgresBots();
const { database, instance, ready, push } = pg_;

describe('several instances on one PostgreSQL database', () => {
  it('stores an event pushed to both instances once, and only one instance sends', async () => {
    const url = await database();
    const [a, b] = [await instance(url, 'pod-a'), await instance(url, 'pod-b')];
    await Promise.all([a.bot.ready, b.bot.ready]); // they started together: migrations did not race
    const event = remedySeedEvent({ appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken, eventId: 'ev_both' }, { instance_code: 'I-BOTH' });
    const answers = await Promise.all([push(a.webhook, event), push(b.webhook, event), push(a.webhook, event)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    await eventually(() => pg_.sandbox.messages.length === 2, 'the DM and the team card');
    await sleep(500);
    expect(pg_.sandbox.messages).toHaveLength(2);

    const [ra, rb] = [await ready(a.base), await ready(b.base)];
    expect(ra.ready && rb.ready).toBe(true);
    const sending = [ra, rb].filter((r) => r.checks.sender!.sending);
    expect(sending).toHaveLength(1);
    expect(ra.checks.sender!.sender).toBe(rb.checks.sender!.sender); // both name the same sender
    const metrics = await (await fetch(`${a.base}/metrics`)).text();
    expect(metrics).toMatch(/approval_bot_sender [01]/);
    // Every metric the README names (its list and its alert rules) is one a replica exposes.
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const named = new Set(readme.match(/\bapproval_bot_\w+/g));
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((name) => !new RegExp(`^(# TYPE )?${name}\\b`, 'm').test(metrics))).toEqual([]);
  }, 30_000);

  it('two instances given the same INSTANCE_ID still take turns sending, and /readyz of the standby says what to fix', async () => {
    const url = await database();
    const [a, b] = [await instance(url, 'pod'), await instance(url, 'pod')];
    await Promise.all([a.bot.ready, b.bot.ready]);
    const checks = async () => Promise.all([ready(a.base), ready(b.base)]).then((rs) => rs.map((r) => r.checks.sender!));
    // The standby calls it a problem once it has seen the other renew the lease under its name.
    const [sa, sb] = await eventually(async () => {
      const [sa, sb] = await checks();
      return sa!.sending !== sb!.sending && sa!.sender === 'pod' && (sa!.problem ?? sb!.problem) !== undefined && [sa!, sb!];
    }, 'one of the two sends, the other says why', 10_000);
    const [holder, standby, standbyBot] = sa.sending ? [sa, sb, b] : [sb, sa, a];
    expect(holder.problem).toBeUndefined();
    expect(standby.problem).toMatch(/another instance runs with INSTANCE_ID=pod and sends/);
    await eventually(() => standbyBot.bot.output.stdout.includes('another instance runs with INSTANCE_ID=pod'), 'the standby logs it');
    await sleep(1000); // a few renewals: still one sender
    expect((await checks()).filter((s) => s.sending)).toHaveLength(1);
  }, 30_000);

  it('in ws mode each instance holds its own long connection; events Feishu spreads over them are stored and sent once, through a kill -9 of one', async () => {
    const url = await database();
    const [a, b] = [await instance(url, 'pod-a', { EVENT_MODE: 'ws' }), await instance(url, 'pod-b', { EVENT_MODE: 'ws' })];
    await Promise.all([a.bot.ready, b.bot.ready]);
    const ws = pg_.sandbox.ws;
    await eventually(() => ws.connections() === 2, 'a long connection from each instance', 15_000);

    // Feishu pushes each event to one of the app's connections and pushes again, to any, until
    // one acknowledges; the first 20 it pushes twice anyway (an acknowledgement it lost).
    const events = burst(120, 30, 'ev_ws_pair');
    const deliver = async (event: unknown) => {
      while ((await ws.push(event, 5000)).code !== 200) await sleep(50);
    };
    let acknowledged = 0;
    await pushAll(async (event) => {
      await deliver(event);
      if (events.indexOf(event as (typeof events)[number]) < 20) await deliver(event);
      // Half-way, one instance dies: its socket closes, and pushes under way to it go unanswered.
      if (++acknowledged === events.length / 2) a.bot.child.kill('SIGKILL');
      return new Response(null, { status: 200 });
    }, events, 6);
    expect(a.bot.child.signalCode).toBe('SIGKILL');
    await eventually(() => exactlyOnce(pg_.sandbox.messages, 120) || undefined, 'every approval once in a DM and once in the chat', 60_000);
    await sleep(500);
    expect(exactlyOnce(pg_.sandbox.messages, 120)).toBe(true);
    const acceptedBy = (bot: typeof a) => bot.bot.output.stdout.split('\n').filter((l) => l.includes('"msg":"event accepted"') && l.includes('"source":"ws"')).length;
    expect(acceptedBy(a)).toBeGreaterThan(0); // both connections carried events
    expect(acceptedBy(b)).toBeGreaterThan(0);
  }, 120_000);

  it('revokes once when the revocation reaches both instances at once: each card edited once, nothing new sent', async () => {
    const url = await database();
    const [a, b] = [await instance(url, 'pod-a'), await instance(url, 'pod-b')];
    await Promise.all([a.bot.ready, b.bot.ready]);
    const identity = { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken };
    expect((await push(a.webhook, leaveSeedEvent(identity, { instance_code: 'I-REVOKE' }))).status).toBe(200);
    await eventually(() => pg_.sandbox.messages.length === 2, 'the DM and the team card');
    const editsBefore = pg_.sandbox.stats.editsApplied;
    const revert = revertSeedEvent('leave', identity, { instance_code: 'I-REVOKE' });
    const again = revertSeedEvent('leave', identity, { instance_code: 'I-REVOKE' }); // another event id
    const answers = await Promise.all([push(a.webhook, revert), push(b.webhook, revert), push(b.webhook, again)]);
    const outcomes = await Promise.all(answers.map(async (r) => ((await r.json()) as { outcome: string }).outcome));
    expect(outcomes.sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
    await eventually(() => pg_.sandbox.messages.every((m) => m.edits === 1), 'both cards edited');
    await sleep(500);
    expect(pg_.sandbox.stats.editsApplied - editsBefore).toBe(2);
    expect(pg_.sandbox.messages).toHaveLength(2);
  }, 30_000);

  it('routes with a chat membership change Feishu pushed to the other instance (TEAM_ROUTING=members): the sender does not wait for its cache to expire', async () => {
    pg_.sandbox.setDirectory({
      chats: { oc_sales: { members: ['u_zhang'] }, oc_ops: { members: ['u_li'] } },
      users: { u_zhang: { openId: 'ou_zhang', name: '张三', departments: [] }, u_li: { openId: 'ou_li', name: '李四', departments: [] }, u_wang: { openId: 'ou_wang', name: '王五', departments: [] } },
    });
    try {
      const url = await database();
      const teams = { NOTIFY_CHAT_IDS: 'oc_sales,oc_ops' };
      const [a, b] = [await instance(url, 'pod-a', teams), await instance(url, 'pod-b', teams)];
      await Promise.all([a.bot.ready, b.bot.ready]);
      const sender = await pg_.senderSeenBy(a.base);
      const [routing, other] = sender === 'pod-a' ? [a, b] : [b, a];
      const identity = { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken };
      const wang = (code: string) => remedySeedEvent({ ...identity, eventId: `ev_${code}` }, { employee_id: 'u_wang', instance_code: code });
      const chatCards = (chatId: string) => pg_.sandbox.messages.filter((m) => m.receiveId === chatId);

      // Wang is in no team chat yet: the sender looks both chats up (and keeps their members).
      expect((await push(routing.webhook, wang('R-BEFORE'))).status).toBe(200);
      const decided = (code: string) => routing.bot.output.stdout.split('\n').some((l) => l.includes('"msg":"team chats decided"') && l.includes(`"instanceCode":"${code}"`));
      await eventually(() => decided('R-BEFORE'), 'decided: in no chat');
      expect(pg_.sandbox.messages).toHaveLength(1); // the DM
      // He joins ops; Feishu tells the instance that does not route.
      pg_.sandbox.addChatMember('oc_ops', 'u_wang');
      const joined = {
        schema: '2.0',
        header: { event_id: 'ev_wang_joined', token: SANDBOX_APP.verificationToken, create_time: String(Date.now()), event_type: 'im.chat.member.user.added_v1', tenant_key: 't', app_id: SANDBOX_APP.appId },
        event: { chat_id: 'oc_ops', users: [{ name: '王五', user_id: { user_id: 'u_wang', open_id: 'ou_wang' } }] },
      };
      expect((await push(other.webhook, joined)).status).toBe(200);
      expect((await push(other.webhook, wang('R-AFTER'))).status).toBe(200);
      await eventually(() => decided('R-AFTER'), 'decided', 10_000);
      await eventually(() => chatCards('oc_ops').length > 0, "the card in the chat Wang joined, from the sender's fresh look");
      await sleep(300);
      expect(chatCards('oc_ops').map((m) => JSON.stringify(m.card).includes('R-AFTER'))).toEqual([true]);
      expect(chatCards('oc_sales')).toHaveLength(0);
    } finally {
      pg_.sandbox.setDirectory({});
    }
  }, 30_000);

  it('three instances: loses and doubles nothing when the sender is killed with -9 mid-burst; one of the two others takes over within 10 s, within the limits', async () => {
    const url = await database();
    const names = ['pod-a', 'pod-b', 'pod-c'];
    const pods = [];
    for (const name of names) pods.push(await instance(url, name));
    await Promise.all(pods.map((p) => p.bot.ready));
    const leader = pods[names.indexOf(await pg_.senderSeenBy(pods[0]!.base))]!;
    const standbys = pods.filter((p) => p !== leader);

    // A round-robin in front of all three; a push to a dead instance is pushed again, as Feishu does.
    let turn = 0;
    const targets = pods.map((p) => p.webhook);
    const pushing = pushAll((event) => push(targets[turn++ % targets.length]!, event), burst(300, 50, 'ev_failover'), 8);
    await eventually(() => pg_.sandbox.messages.length >= 100, 'sending under way', 30_000);
    const killedAt = Date.now();
    leader.bot.child.kill('SIGKILL');
    await leader.bot.exited;
    targets.splice(targets.indexOf(leader.webhook), 1);
    const before = pg_.sandbox.messages.length;
    await eventually(() => pg_.sandbox.messages.length > before, 'sending resumed on another instance', 15_000);
    const resumedAfterMs = Date.now() - killedAt;
    await pushing;
    await eventually(() => exactlyOnce(pg_.sandbox.messages, 300) || undefined, 'every approval once in a DM and once in the chat', 90_000);
    await sleep(500);
    expect(exactlyOnce(pg_.sandbox.messages, 300)).toBe(true);
    expect(pg_.sandbox.stats.limitErrors).toBe(0);
    expect(resumedAfterMs).toBeLessThan(10_000);
    // Exactly one of the two standbys took the lease, and both say which.
    const checks = await Promise.all(standbys.map(async (p) => (await ready(p.base)).checks.sender!));
    expect(checks.filter((c) => c.sending)).toHaveLength(1);
    const next = standbys[checks.findIndex((c) => c.sending)]!;
    const nextName = names[pods.indexOf(next)];
    expect(checks.map((c) => c.sender)).toEqual([nextName, nextName]);
    const tookOver = standbys.filter((p) => p.bot.output.stdout.includes('"this instance is now the sender"'));
    expect(tookOver).toEqual([next]); // the other never sent, not even for a moment
    console.log(`fail-over: sends resumed ${resumedAfterMs} ms after kill -9 of the sender (lease 2 s); 0 lost, 0 doubled, ${pg_.sandbox.stats.resendsAbsorbed} resends absorbed by uuid`);
  }, 150_000);
});

