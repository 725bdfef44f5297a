// `npm run cli -- …`: look into the outbox and re-queue what could not be sent.
import { existsSync, readFileSync } from 'node:fs';
import { isKindName, KIND_NAMES, kindForEventType } from './approvals/index.js';
import type { ApprovalEvent, ApprovalKindName } from './approvals/types.js';
import { renderCard } from './cards/card.js';
import { revokedRendering } from './cards/revoked.js';
import { loadTemplates, TemplateError } from './cards/templates.js';
import { describeCard, type Locale } from './cards/text-view.js';
import { isTimeZone } from './cards/time.js';
import { openEnvelope } from './ingest/envelope.js';
import { SEED_EVENTS } from './sandbox/seed-events.js';
import { sendSample } from './cli/send-sample.js';
import { UsageError } from './cli/usage-error.js';
import { parseArgs } from 'node:util';
import { ConfigError, databaseFrom, loadDotEnv } from './config.js';
import { silentLogger } from './log.js';
import { openPostgresStore } from './store/postgres.js';
import { describePostgresUrl } from './store/postgres-url.js';
import { backup } from './cli/backup.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Delivery, DeliveryStatus, Store } from './store/store.js';

const USAGE = `usage:
  npm run cli -- deliveries [--status pending|sent|dead|digested|cancelled] [--limit N]
  npm run cli -- requeue <delivery id> [<delivery id> …]
  npm run cli -- requeue --all-dead
  npm run cli -- backup <file>
  npm run cli -- render [--sample remedy|shift|leave|out|overtime|trip | --event <event.json>]
                        [--audience employee|team]
                        [--templates <dir>] [--zone <IANA zone>] [--team-zone <IANA zone>]
                        [--locale zh_cn|en_us|ja_jp] [--revoked]
  npm run cli -- send-sample remedy|shift|leave|out|overtime|trip (--url <bot url> | --dry-run [--url <bot url>])
                             [--to <user_id|open_id>] [--<field> <value> …]
  npm run cli -- send-sample revert <kind> --instance_code <code> (--url <bot url> | --dry-run)

deliveries, requeue and backup read DATABASE_URL from the environment or ./.env (default
file:./data/bot.sqlite; postgres://… works for deliveries and requeue); backup copies an SQLite
database consistently while the bot runs. render prints a card's JSON and how it reads, without sending it;
with --revoked, the card as it is edited in place once the approval is revoked.
send-sample posts a realistic event to a running bot, encrypted and signed with FEISHU_ENCRYPT_KEY
and carrying FEISHU_APP_ID and FEISHU_VERIFICATION_TOKEN (environment or ./.env), and reports the
answer. The bot then really acts on it: it DMs the employee and posts the team card to the chats
in its NOTIFY_CHAT_IDS. --dry-run prints the signed request (token masked) and sends nothing; its
--url defaults to http://127.0.0.1:$PORT/webhook/event. --to names the employee: a user_id (any
kind) or an open_id ou_… (any kind but remedy); not a chat. --<field> <value> sets any field of the
event (e.g. --remedy_reason hi). send-sample revert revokes the approval with that instance_code
(the one a send-sample printed): the bot edits the cards it sent into their revoked state. A failed post prints one line (e.g. ECONNREFUSED 127.0.0.1:3000
on POST /webhook/event) and exits 1; the post gives up after 10 s.`;

const STATUSES: readonly DeliveryStatus[] = ['pending', 'sent', 'dead', 'digested', 'cancelled'];

function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

export function deliveryTable(rows: readonly Delivery[], now: number): string {
  const header = ['id', 'status', 'recipient', 'kind', 'attempts', 'age', 'why / last error'];
  const lines = rows.map((d) => [
    String(d.id),
    d.status,
    `${d.receiveIdType}:${d.receiveId}`,
    d.audience === 'digest' ? 'digest' : `${d.kind ?? '?'}/${d.audience}`,
    String(d.attempts),
    age(now - d.createdAt),
    note(d),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Why the row went where it went (a route row: every chat and why or why not), then its last error. */
function note(d: Delivery): string {
  const last = d.lastError?.replace(/\s+/g, ' ').slice(0, 120);
  // A cancelled row's last words are why it was cancelled, not an error.
  const error = last === undefined ? '' : d.status === 'cancelled' ? last : `error: ${last}`;
  const edits = d.audience === 'edit' ? `revoked: edits the card of delivery ${d.targetId}` : '';
  const revoked = d.revokedBy !== null && d.audience !== 'edit' ? `approval revoked (${d.revokedBy})` : '';
  return [d.decision ?? '', edits, revoked, error].filter((s) => s !== '').join(' · ');
}

/** DATABASE_URL's file (environment or ./.env), which must exist: the CLI never creates one. */
function existingDatabase(): string {
  loadDotEnv();
  const database = databaseFrom(process.env);
  if (database.engine === 'postgres') {
    throw new UsageError('backup copies an SQLite file; for PostgreSQL use its own tools, e.g. pg_dump --format=custom "$DATABASE_URL" > bot.dump');
  }
  if (!existsSync(database.path)) throw new UsageError(`no database at ${database.path} (DATABASE_URL)`);
  return database.path;
}

/**
 * The store of DATABASE_URL, as it is: the CLI never creates a database or changes its schema.
 * With it, the clock its times are on: PostgreSQL's own, as the instances keep it (a re-queue
 * stamped by a machine running ahead would wait that long).
 */
async function existingStore(): Promise<{ store: Store; now: () => number }> {
  loadDotEnv();
  const database = databaseFrom(process.env);
  if (database.engine === 'sqlite') return { store: openSqliteStore(existingDatabase()), now: Date.now };
  const warnings = { ...silentLogger, warn: (message: string) => console.error(`warning: ${message}`) };
  // Without the bot's statement limits: re-queueing hundreds of thousands of dead deliveries after
  // a long outage takes longer than a push may; the operator can interrupt it.
  const timeouts = { statementMs: 0, silenceMs: 0 };
  const store = openPostgresStore(database.url, { migrate: false, retry: { baseMs: 0, maxMs: 0 }, log: warnings, timeouts, applicationName: 'feishu-approval-bot cli' });
  await store.started; // a wrong schema throws here
  if (!store.isReady()) {
    await store.close();
    // A server that cannot be reached or refuses is no usage error: one line, without the usage.
    throw new Error(`${store.problem() ?? `cannot reach PostgreSQL at ${describePostgresUrl(database.url)}`} (DATABASE_URL)`);
  }
  return { store, now: store.clock.now };
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
  if (command === 'backup') return backup(rest, existingDatabase);
  if (command !== 'deliveries' && command !== 'requeue') throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  const { store, now: clockNow } = await existingStore();
  try {
    if (command === 'deliveries') {
      const status = values.status as DeliveryStatus | undefined;
      if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      const limit = values.limit === undefined ? Infinity : Number(values.limit);
      if (!(limit > 0)) throw new UsageError('--limit must be a positive number');
      const rows = await store.deliveries({ status });
      console.log(deliveryTable(rows.slice(-limit), clockNow()));
      console.log(`${rows.length} deliver${rows.length === 1 ? 'y' : 'ies'}${status ? ` ${status}` : ''}`);
      return 0;
    }
    if (command === 'requeue') {
      const now = clockNow();
      if (values['all-dead']) {
        console.log(`re-queued ${await store.requeueAllDead(now)} dead deliveries`);
        return 0;
      }
      if (positionals.length === 0) throw new UsageError('requeue needs delivery ids or --all-dead');
      let failed = 0;
      for (const text of positionals) {
        const id = Number(text);
        if (!Number.isInteger(id) || !(await store.requeue(id, now))) {
          const found = Number.isInteger(id) ? await store.delivery(id) : undefined;
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
    await store.close();
  }
}

const LOCALES: readonly Locale[] = ['zh_cn', 'en_us', 'ja_jp'];

/** What the built-in samples change in the documented examples: a reason in two languages, and a leave type in all three. */
const SAMPLE_FIELDS: Record<ApprovalKindName, Record<string, unknown>> = {
  remedy: { remedy_reason: '忘记打卡 / forgot to clock in' },
  shift: { shift_reason: '家中有事 / family matters' },
  leave: {
    leave_reason: '回老家 / visiting family',
    i18n_resources: [
      { locale: 'zh_cn', is_default: true, texts: { '@i18n@7276381556766212099': '事假' } },
      { locale: 'en_us', is_default: false, texts: { '@i18n@7276381556766212099': 'Personal leave' } },
      { locale: 'ja_jp', is_default: false, texts: { '@i18n@7276381556766212099': '私用休暇' } },
    ],
  },
  out: { out_reason: '拜访客户 / client visit' },
  overtime: { work_reason: '版本发布 / release night' },
  trip: { trip_reason: '客户现场 / on-site at a customer' },
};

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
    const sample = values.sample ?? 'remedy';
    if (!isKindName(sample)) throw new UsageError(`--sample must be one of ${KIND_NAMES.join(', ')}`);
    body = SEED_EVENTS[sample](identity, SAMPLE_FIELDS[sample]);
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
      revoked: { type: 'boolean' },
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
    const rendered = renderCard(templates, event, audience, { zone, teamZone, brand: 'feishu' });
    const { card, content } = values.revoked ? revokedRendering(rendered) : rendered;
    console.log(`── ${event.kind}.${audience}${values.revoked ? ' · revoked' : ''} · zone ${zone}${teamZone !== zone ? ` · team zone ${teamZone}` : ''} · ${Buffer.byteLength(content)} bytes ──`);
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
