// `npm run demo`: the bot end to end without a Feishu account. Starts the sandbox Open Platform
// (with two teams: each team chat has its own people) and the bot on a temporary database, pushes
// the example of each attendance approval (补卡, 换班, 请假, 外出, 加班, 出差) encrypted and signed, and
// prints every card that arrived: each employee's DM, and one card in their team's chat, naming them.
// Then it revokes the leave (leave_approval_revert) and prints the two cards as the bot edited
// them. `npm run demo -- --ws` receives the events over the long connection instead.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot } from './bot.js';
import { describeCard, type Locale } from './cards/text-view.js';
import { loadConfig, secretsOf, type Config } from './config.js';
import { createLogger } from './log.js';
import { WEBHOOK_PATH } from './receivers/webhook.js';
import { pushEvent } from './sandbox/feishu-push.js';
import { startSandbox, type Sandbox, type SandboxMessage } from './sandbox/open-platform.js';
import { SANDBOX_APP, sandboxEnv } from './sandbox/sandbox-settings.js';
import {
  leaveSeedEvent,
  outSeedEvent,
  overtimeSeedEvent,
  remedySeedEvent,
  revertSeedEvent,
  seedFields,
  shiftSeedEvent,
  tripSeedEvent,
} from './sandbox/seed-events.js';

const DEMO = SANDBOX_APP;
const describeDatabase = (config: Config) => (config.database.engine === 'sqlite' ? config.database.path : 'PostgreSQL');
/**
 * Two teams, by the employees of the seed examples: sales has the 补卡 (g12xxxxg), 请假 (g6964xxx)
 * and 出差 (abc456) employees, ops the 换班 and 加班 (xxx) and 外出 (g6964gd3) ones.
 */
const TEAMS = {
  chats: {
    oc_demo_sales: { members: ['g12xxxxg', 'g6964xxx', 'abc456', 'u_sales_manager'] },
    oc_demo_ops: { members: ['xxx', 'g6964gd3', 'u_ops_manager'] },
  },
  users: {
    g12xxxxg: { openId: 'ou_g12xxxxg', name: '张三', departments: [] },
    xxx: { openId: 'ou_xxx', name: '李四', departments: [] },
    g6964xxx: { openId: 'ou_g6964xxx', name: '王小明', departments: [] },
    g6964gd3: { openId: 'ou_g6964gd3', name: '陈静', departments: [] },
    abc456: { openId: 'ou_0e188d8010729123', name: '刘洋', departments: [] },
    abc123: { openId: 'ou_0e188d8010729321', name: '周婷', departments: [] },
    u_sales_manager: { openId: 'ou_sales_manager', name: '王经理', departments: [] },
    u_ops_manager: { openId: 'ou_ops_manager', name: '赵经理', departments: [] },
  },
};
const LOCALES: Locale[] = ['zh_cn', 'en_us'];

function printCard(message: SandboxMessage, what = 'card'): void {
  const audience = message.receiveIdType === 'chat_id' ? 'team chat' : 'employee, direct message';
  console.log(`\n── ${what} to ${message.receiveIdType} ${message.receiveId} (${audience}) ──`);
  for (const locale of LOCALES) {
    console.log(` [${locale}]`);
    for (const line of describeCard(message.card, locale)) console.log(line);
  }
}

async function printCards(sandbox: Sandbox): Promise<number> {
  const expected = 12; // each of the six seeds: the employee, and the chat of the employee's team
  const cards = await sandbox.waitForMessages(expected, 15_000);
  console.log(`\n${cards.length} cards arrived at the sandbox Open Platform:`);
  // Arrival order is a race between parallel sends; show each approval's cards together.
  const order = (m: SandboxMessage) => `${JSON.stringify(m.card.header)} ${m.receiveIdType === 'chat_id' ? 1 : 0}`;
  cards.sort((a, b) => order(a).localeCompare(order(b))).forEach((card) => printCard(card));
  return 0;
}

/** Revokes the leave, and prints its two cards as the bot edited them (no new message is sent). */
async function revokeLeave(sandbox: Sandbox, deliver: (name: string, event: Record<string, unknown>) => Promise<void>): Promise<number> {
  const identity = { appId: DEMO.appId, token: DEMO.verificationToken };
  const before = sandbox.messages.length;
  await deliver('请假 revoked, leave_approval_revert', revertSeedEvent('leave', identity, { instance_code: String(seedFields(leaveSeedEvent(identity)).instance_code) }));
  const edited = await sandbox.untilEdited(2, 15_000);
  console.log(`\nthe leave's ${edited.length} cards were edited in place (${sandbox.messages.length - before} new messages):`);
  edited.sort((a, b) => a.receiveIdType.localeCompare(b.receiveIdType)).forEach((card) => printCard(card, 'edited card'));
  return 0;
}

async function main(): Promise<number> {
  const overWs = process.argv.includes('--ws');
  const dir = mkdtempSync(join(tmpdir(), 'feishu-approval-bot-demo-'));
  const sandbox = await startSandbox({ appId: DEMO.appId, appSecret: DEMO.appSecret });
  sandbox.setDirectory(TEAMS);
  const config = loadConfig({
    ...sandboxEnv(sandbox.url, join(dir, 'bot.sqlite')),
    NOTIFY_CHAT_IDS: Object.keys(TEAMS.chats).join(','),
    TIMEZONE: process.env.TIMEZONE ?? 'Asia/Shanghai',
    EVENT_MODE: overWs ? 'ws' : 'webhook',
  });
  const log = createLogger({ level: 'warn', secrets: secretsOf(config), write: (line) => process.stderr.write(line + '\n') });
  const bot = await startBot({ config, log, hostname: '127.0.0.1' });
  const webhook = bot.url + WEBHOOK_PATH;
  try {
    console.log(`Sandbox Open Platform: ${sandbox.url}`);
    for (const [chat, { members }] of Object.entries(TEAMS.chats)) {
      console.log(`Team chat ${chat}: ${members.map((m) => TEAMS.users[m as keyof typeof TEAMS.users].name).join(', ')}`);
    }
    console.log(`Team routing: ${config.routing.mode} (each team chat gets its own members' approvals)`);
    const identity = { appId: DEMO.appId, token: DEMO.verificationToken };
    const seeds = [
      ['补卡 seed, approval.instance.remedy_group_update_v4', remedySeedEvent(identity)],
      ['换班 seed, shift_approval', shiftSeedEvent(identity)],
      ['请假 seed, leave_approvalV2', leaveSeedEvent(identity)],
      ['外出 seed, out_approval', outSeedEvent(identity)],
      ['加班 seed, work_approval', overtimeSeedEvent(identity)],
      ['出差 seed, approval.instance.trip_group_update_v4', tripSeedEvent(identity)],
    ] as const;
    if (overWs) {
      console.log(`Bot: long connection (EVENT_MODE=ws), database ${describeDatabase(config)}, zone ${config.timezone}\n`);
      const deliver = async (name: string, event: Record<string, unknown>) => {
        const ack = await sandbox.ws.push(event, 15_000);
        console.log(`${name} (long connection)\n${''.padEnd(37)}→ acknowledged ${JSON.stringify(ack)}`);
      };
      for (const [name, event] of seeds) await deliver(name, event);
      await printCards(sandbox);
      return await revokeLeave(sandbox, deliver);
    }
    console.log(`Bot webhook:           ${webhook}  (database ${describeDatabase(config)}, zone ${config.timezone})\n`);

    const challenge = await pushEvent(
      webhook,
      { type: 'url_verification', challenge: 'demo-challenge-42', token: DEMO.verificationToken },
      { encryptKey: DEMO.encryptKey, sign: false },
    );
    console.log(`url_verification (encrypted)         → ${challenge.status} ${await challenge.text()}`);

    const deliver = async (name: string, event: Record<string, unknown>) => {
      const response = await pushEvent(webhook, event, { encryptKey: DEMO.encryptKey });
      console.log(`${name} (encrypted, signed)\n${''.padEnd(37)}→ ${response.status} ${await response.text()}`);
    };
    for (const [name, event] of seeds) await deliver(name, event);
    await printCards(sandbox);
    return await revokeLeave(sandbox, deliver);
  } catch (error) {
    console.error(`demo failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await bot.stop();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`demo failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
