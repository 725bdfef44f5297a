// `npm run cli -- …`: look into the outbox and re-queue what could not be sent.
import { existsSync, readFileSync } from 'node:fs';
import { kindForEventType } from './approvals/index.js';
import type { ApprovalEvent } from './approvals/types.js';
import { renderCard } from './cards/card.js';
import { loadTemplates, TemplateError } from './cards/templates.js';
import { describeCard, type Locale } from './cards/text-view.js';
import { isTimeZone } from './cards/time.js';
import { openEnvelope } from './ingest/envelope.js';
import { WEBHOOK_PATH } from './receivers/webhook.js';
import { pushEvent } from './sandbox/feishu-push.js';
import { remedySeedEvent, shiftSeedEvent } from './sandbox/seed-events.js';
import { parseArgs } from 'node:util';
import { ConfigError, databasePathFrom, loadDotEnv } from './config.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Delivery, DeliveryStatus } from './store/store.js';

const USAGE = `usage:
  npm run cli -- deliveries [--status pending|sent|dead|digested] [--limit N]
  npm run cli -- requeue <delivery id> [<delivery id> …]
  npm run cli -- requeue --all-dead
  npm run cli -- render [--sample remedy|shift | --event <event.json>] [--audience employee|team]
                        [--templates <dir>] [--zone <IANA zone>] [--team-zone <IANA zone>]
                        [--locale zh_cn|en_us|ja_jp]
  npm run cli -- send-sample remedy|shift --url <bot url> [--<field> <value> …]

deliveries and requeue read DATABASE_URL from the environment or ./.env (default
file:./data/bot.sqlite). render prints a card's JSON and how it reads, without sending it.
send-sample posts a realistic event to a running bot, encrypted and signed with FEISHU_ENCRYPT_KEY
and carrying FEISHU_APP_ID and FEISHU_VERIFICATION_TOKEN (environment or ./.env), and reports the
answer; --<field> <value> sets a field of the event (e.g. --employee_id u_42 --remedy_reason hi).`;

const STATUSES: readonly DeliveryStatus[] = ['pending', 'sent', 'dead', 'digested'];

function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

export function deliveryTable(rows: readonly Delivery[], now: number): string {
  const header = ['id', 'status', 'recipient', 'kind', 'attempts', 'age', 'last error'];
  const lines = rows.map((d) => [
    String(d.id),
    d.status,
    `${d.receiveIdType}:${d.receiveId}`,
    d.audience === 'digest' ? 'digest' : `${d.kind ?? '?'}/${d.audience}`,
    String(d.attempts),
    age(now - d.createdAt),
    (d.lastError ?? '').replace(/\s+/g, ' ').slice(0, 120),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

async function sendSample(args: string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (kind !== 'remedy' && kind !== 'shift') throw new UsageError('send-sample needs remedy or shift');
  const fields: Record<string, unknown> = {};
  let url: string | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new UsageError(`expected --<field> <value>, got ${flag}`);
    if (flag === '--url') url = value;
    // Numbers stay numbers (remedy_time, start_time…); everything else is text.
    else fields[flag.slice(2)] = /^\d+$/.test(value) ? Number(value) : value;
  }
  if (url === undefined) throw new UsageError('send-sample needs --url <bot url>');
  const target = new URL(url);
  if (target.pathname === '/' || target.pathname === '') target.pathname = WEBHOOK_PATH;
  loadDotEnv();
  const appId = process.env.FEISHU_APP_ID?.trim() || 'cli_a1b2c3d4e5f60718';
  const token = process.env.FEISHU_VERIFICATION_TOKEN?.trim() || undefined;
  const encryptKey = process.env.FEISHU_ENCRYPT_KEY?.trim() || undefined;
  const identity = { appId, token };
  const now = Date.now();
  const instance = crypto.randomUUID().toUpperCase();
  const event =
    kind === 'remedy'
      ? remedySeedEvent(identity, { instance_code: instance, employee_id: 'sample_user', remedy_time: now - 3600_000, remedy_reason: 'deployment check', start_time: Math.floor(now / 1000) - 600, end_time: Math.floor(now / 1000), ...fields })
      : shiftSeedEvent(identity, { instance_code: instance, shift_time: '2026-12-01 09:00:00', return_time: '2026-12-02 09:00:00', shift_reason: 'deployment check', ...fields });
  const response = await pushEvent(target.toString(), event, { encryptKey });
  const body = await response.text();
  console.log(`POST ${target} (${encryptKey ? 'encrypted and signed' : 'plain: FEISHU_ENCRYPT_KEY is not set'}) → ${response.status} ${body}`);
  console.log(`instance_code ${(kind === 'remedy' ? (event as ReturnType<typeof remedySeedEvent>).event.object : (event as ReturnType<typeof shiftSeedEvent>).event).instance_code}`);
  return response.status === 200 ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'render') return render(rest);
  if (command === 'send-sample') return sendSample(rest);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { status: { type: 'string' }, limit: { type: 'string' }, 'all-dead': { type: 'boolean' } },
  });
  if (command !== 'deliveries' && command !== 'requeue') throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  loadDotEnv();
  const path = databasePathFrom(process.env);
  if (!existsSync(path)) throw new UsageError(`no database at ${path} (DATABASE_URL)`);
  const store = openSqliteStore(path);
  try {
    if (command === 'deliveries') {
      const status = values.status as DeliveryStatus | undefined;
      if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      const limit = values.limit === undefined ? Infinity : Number(values.limit);
      if (!(limit > 0)) throw new UsageError('--limit must be a positive number');
      const rows = store.deliveries({ status });
      console.log(deliveryTable(rows.slice(-limit), Date.now()));
      console.log(`${rows.length} deliver${rows.length === 1 ? 'y' : 'ies'}${status ? ` ${status}` : ''}`);
      return 0;
    }
    if (command === 'requeue') {
      const now = Date.now();
      if (values['all-dead']) {
        console.log(`re-queued ${store.requeueAllDead(now)} dead deliveries`);
        return 0;
      }
      if (positionals.length === 0) throw new UsageError('requeue needs delivery ids or --all-dead');
      let failed = 0;
      for (const text of positionals) {
        const id = Number(text);
        if (!Number.isInteger(id) || !store.requeue(id, now)) {
          const found = Number.isInteger(id) ? store.delivery(id) : undefined;
          console.error(`delivery ${text}: ${found ? `is ${found.status}, not dead` : 'not found'}`);
          failed++;
        } else console.log(`delivery ${id}: re-queued`);
      }
      return failed === 0 ? 0 : 1;
    }
    throw new UsageError(`unknown command ${command}`);
  } finally {
    // A re-queue is on disk before the command says so (the store commits without its own fsync).
    await store.durable();
    store.close();
  }
}

class UsageError extends Error {}

const LOCALES: readonly Locale[] = ['zh_cn', 'en_us', 'ja_jp'];

/** The approval in an event file (a Feishu envelope, as pushed) or a built-in sample. */
function sampleEvent(values: { sample?: string; event?: string }): ApprovalEvent {
  let body: unknown;
  if (values.event !== undefined) {
    try {
      body = JSON.parse(readFileSync(values.event, 'utf8'));
    } catch (error) {
      throw new UsageError(`--event ${values.event}: ${(error as Error).message}`);
    }
  } else {
    const identity = { appId: 'cli_a1b2c3d4e5f60718', eventId: 'ev_sample' };
    if (values.sample === undefined || values.sample === 'remedy') body = remedySeedEvent(identity, { remedy_reason: '忘记打卡 / forgot to clock in' });
    else if (values.sample === 'shift') body = shiftSeedEvent(identity, { shift_reason: '家中有事 / family matters' });
    else throw new UsageError('--sample must be remedy or shift');
  }
  const opened = openEnvelope(body);
  if (!opened.ok || opened.envelope.kind !== 'event') throw new UsageError(`not an event envelope: ${opened.ok ? 'a challenge' : opened.error}`);
  const kind = kindForEventType(opened.envelope.eventType);
  if (!kind) throw new UsageError(`event type ${opened.envelope.eventType} is not one this bot handles`);
  const normalized = kind.normalize(opened.envelope.payload, opened.envelope);
  if (!normalized.ok) throw new UsageError(`the event would be ${normalized.outcome}: ${normalized.reason}`);
  return normalized.event;
}

function render(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      sample: { type: 'string' },
      event: { type: 'string' },
      audience: { type: 'string' },
      templates: { type: 'string' },
      zone: { type: 'string' },
      'team-zone': { type: 'string' },
      locale: { type: 'string' },
    },
  });
  const zone = values.zone ?? 'Asia/Shanghai';
  const teamZone = values['team-zone'] ?? zone;
  for (const [flag, value] of [['--zone', zone], ['--team-zone', teamZone]] as const) {
    if (!isTimeZone(value)) throw new UsageError(`${flag} ${value} is not an IANA time zone`);
  }
  const locales = values.locale === undefined ? LOCALES : [values.locale as Locale];
  if (!LOCALES.includes(locales[0]!)) throw new UsageError(`--locale must be one of ${LOCALES.join(', ')}`);
  const audiences: string[] = values.audience === undefined ? ['employee', 'team'] : [values.audience];
  if (!audiences.every((a) => a === 'employee' || a === 'team')) throw new UsageError('--audience must be employee or team');
  const event = sampleEvent(values);
  const templates = loadTemplates(values.templates);
  for (const audience of audiences as Array<'employee' | 'team'>) {
    const { card, content } = renderCard(templates, event, audience, { zone, teamZone, brand: 'feishu' });
    console.log(`── ${event.kind}.${audience} · zone ${zone}${teamZone !== zone ? ` · team zone ${teamZone}` : ''} · ${Buffer.byteLength(content)} bytes ──`);
    console.log(JSON.stringify(card, null, 2));
    for (const locale of locales) {
      console.log(`[${locale}]`);
      for (const line of describeCard(card, locale)) console.log(line);
    }
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  (async () => main(process.argv.slice(2)))().then(
    (code) => (process.exitCode = code),
    (error) => {
      if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
      else if (error instanceof ConfigError || error instanceof TemplateError || error instanceof TypeError) console.error(error.message);
      else console.error(`cli failed: ${(error as Error).message}`);
      process.exitCode = 2;
    },
  );
}
