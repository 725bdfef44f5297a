// kill -9 around the team-routing decision: each chat that should get a card gets it exactly once,
// and no chat that should not gets it — whether the bot dies while asking who is in a chat, or
// after it decided and before the card left.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { sandboxEnv, SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { freePort, spawnBot, type BotProcess } from '../support/bot-process.js';
import { eventually, sleep } from '../support/harness.js';

const identity = { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken };
const DIRECTORY = {
  chats: { oc_sales: { members: ['u_zhang'] }, oc_ops: { members: ['u_li'] } },
  users: { u_zhang: { openId: 'ou_zhang', name: '张三', departments: [] }, u_li: { openId: 'ou_li', name: '李四', departments: [] } },
};

let sandbox: Sandbox;
let dir: string;
let bot: BotProcess | undefined;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
});
afterEach(() => {
  bot?.child.kill('SIGKILL');
  bot = undefined;
  rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => sandbox.close());

async function start(database: string) {
  const port = await freePort();
  const env = { ...sandboxEnv(sandbox.url, database), PORT: String(port), NOTIFY_CHAT_IDS: 'oc_sales,oc_ops' };
  bot = spawnBot(env);
  await bot.ready;
  return `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
}

async function kill9() {
  bot!.child.kill('SIGKILL');
  await bot!.exited;
  bot = undefined;
}

/** The outbox as another process sees it. */
function rows(database: string, audience: string) {
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare('SELECT status, receive_id AS receiveId, attempts, decision FROM deliveries WHERE audience = ? ORDER BY id').all(audience) as Array<{
      status: string;
      receiveId: string;
      attempts: number;
      decision: string | null;
    }>;
  } finally {
    db.close();
  }
}

/** Cards per chat, one per message id (a resend absorbed by its uuid is the same message). */
function chatCards(): Record<string, number> {
  const seen: Record<string, Set<string>> = {};
  for (const m of sandbox.messages.filter((m) => m.receiveIdType === 'chat_id')) (seen[m.receiveId] ??= new Set()).add(m.messageId);
  return Object.fromEntries(Object.entries(seen).map(([chat, ids]) => [chat, ids.size]));
}

/** Burst approval number → the chats whose cards (digests included) show it, once per message. */
function approvalsInChats(): Map<number, string[]> {
  const seen = new Map<number, string[]>();
  const messages = new Map(sandbox.messages.filter((m) => m.receiveIdType === 'chat_id').map((m) => [m.messageId, m]));
  for (const m of messages.values()) {
    const numbers = new Set([...JSON.stringify(m.card).matchAll(/R-BURST-(\d+)/g)].map((match) => Number(match[1])));
    for (const n of numbers) seen.set(n, [...(seen.get(n) ?? []), m.receiveId]);
  }
  return seen;
}

describe('crash safety of team routing', () => {
  it('dies while asking who is in the chats: the decision is made again after the restart, each chat once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'route-crash-'));
    const database = join(dir, 'bot.sqlite');
    sandbox.setDirectory(DIRECTORY);
    sandbox.setDirectoryFault('chatMembers', { mode: 'hang', ms: 60_000 });
    const url = await start(database);
    const before = sandbox.messages.length;
    expect((await pushEvent(url, remedySeedEvent(identity, { employee_id: 'u_zhang', instance_code: 'R-HANG' }), { encryptKey: SANDBOX_APP.encryptKey })).status).toBe(200);
    await eventually(() => rows(database, 'route')[0]?.attempts === 1, 'the route row being decided');
    await kill9();
    expect(rows(database, 'route')[0]).toMatchObject({ status: 'pending', decision: null });

    sandbox.setDirectoryFault('chatMembers', undefined);
    await start(database);
    await eventually(() => rows(database, 'team').some((r) => r.status === 'sent'), 'the team card after the restart', 10_000);
    await sleep(300);
    expect(chatCards()).toEqual({ oc_sales: 1 });
    expect(sandbox.messages.length - before).toBe(2); // the DM and the one team card
  }, 30_000);

  it('dies after deciding and before the card left: the decision stands, the card goes once, nowhere else', async () => {
    dir = mkdtempSync(join(tmpdir(), 'route-crash-'));
    const database = join(dir, 'bot.sqlite');
    sandbox.setDirectory(DIRECTORY);
    sandbox.messages.length = 0;
    // Team chats refuse every card for now: the decision is recorded, the send keeps failing.
    sandbox.fail({ match: (s) => s.receiveIdType === 'chat_id', httpStatus: 500, msg: 'internal error' });
    const url = await start(database);
    expect((await pushEvent(url, remedySeedEvent(identity, { employee_id: 'u_zhang', instance_code: 'R-DECIDED' }), { encryptKey: SANDBOX_APP.encryptKey })).status).toBe(200);
    await eventually(() => (rows(database, 'team')[0]?.attempts ?? 0) >= 1, 'the team card attempted after the decision');
    await kill9();
    expect(rows(database, 'route')).toEqual([expect.objectContaining({ status: 'sent', decision: 'oc_sales: sent (member of the chat); oc_ops: not sent (not a member of the chat)' })]);
    expect(rows(database, 'team')).toEqual([expect.objectContaining({ status: 'pending', receiveId: 'oc_sales', decision: 'member of the chat' })]);

    // Meanwhile Zhang moves to the other team: the recorded decision is not made again.
    sandbox.setDirectory({ ...DIRECTORY, chats: { oc_sales: { members: [] }, oc_ops: { members: ['u_li', 'u_zhang'] } } });
    sandbox.clearFaults();
    await start(database);
    await eventually(() => rows(database, 'team')[0]?.status === 'sent', 'the decided card sent after the restart', 10_000);
    await sleep(300);
    expect(chatCards()).toEqual({ oc_sales: 1 });
    expect(rows(database, 'team')).toHaveLength(1);
  }, 30_000);

  it('is killed at random moments during a burst: every card in its member\'s chat once, none elsewhere', async () => {
    dir = mkdtempSync(join(tmpdir(), 'route-crash-'));
    const database = join(dir, 'bot.sqlite');
    sandbox.setDirectory(DIRECTORY);
    sandbox.messages.length = 0;
    let url = await start(database);
    const events = Array.from({ length: 60 }, (_, i) =>
      remedySeedEvent({ ...identity, eventId: `ev_burst_${i}` }, { employee_id: i % 3 === 0 ? 'u_li' : 'u_zhang', instance_code: `R-BURST-${i}` }),
    );
    // Feishu re-pushes until it gets a 200: a push that met a dead bot is pushed again after the restart.
    const pending = new Set(events.keys());
    for (let round = 0; pending.size > 0 && round < 20; round++) {
      for (const i of [...pending]) {
        const answer = await pushEvent(url, events[i]!, { encryptKey: SANDBOX_APP.encryptKey }).catch(() => undefined);
        if (answer?.status === 200) pending.delete(i);
        if (i === 20 * (round + 1)) {
          await sleep(Math.random() * 100);
          await kill9();
          url = await start(database);
        }
      }
    }
    expect(pending.size).toBe(0);
    // A chat with a backlog gets a digest: count approvals in the chat cards, not messages.
    await eventually(() => {
      const seen = approvalsInChats();
      return seen.size === 60 && [...seen.values()].every((chats) => chats.length === 1);
    }, 'each of the sixty approvals in one chat card', 20_000);
    await sleep(500);
    const seen = approvalsInChats();
    expect(seen.size).toBe(60);
    for (const [i, chats] of seen) expect(chats).toEqual([i % 3 === 0 ? 'oc_ops' : 'oc_sales']);
  }, 60_000);
});
