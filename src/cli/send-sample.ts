// `npm run cli -- send-sample`: the deployment check. A realistic approval event, encrypted and
// signed as Feishu sends it, posted to a running bot — which then really DMs the employee and
// posts the team card to its NOTIFY_CHAT_IDS — or, with --dry-run, printed and not sent.
import { isKindName, KIND_NAMES, kindNamed } from '../approvals/index.js';
import type { ApprovalKindName } from '../approvals/types.js';
import { ConfigError, loadDotEnv } from '../config.js';
import { openEnvelope } from '../ingest/envelope.js';
import { describeNetworkFailure } from '../network-failure.js';
import { WEBHOOK_PATH } from '../receivers/webhook.js';
import { feishuRequest } from '../sandbox/feishu-push.js';
import { revertEventTypeFor } from '../approvals/revert.js';
import { revertSeedEvent, SEED_EVENTS, seedFields } from '../sandbox/seed-events.js';
import { UsageError } from './usage-error.js';

/** Long enough for a bot that stores before answering; short enough not to look hung. */
export const SEND_TIMEOUT_MS = 10_000;

type Kind = ApprovalKindName;

/** How each kind's sample is made a realistic, fresh approval, and how its event names the employee. */
interface SampleSpec {
  /** Fields for a deployment check: a reason that says so, and times that make sense. */
  fields(now: number): Record<string, unknown>;
  /** The fields that name a user_id as the employee (and clear any open_id the sample has, which the bot would prefer). */
  byUserId(to: string): Record<string, unknown>;
  /** The same for an open_id; a string when the event has no field for one (why not). */
  byOpenId(to: string): Record<string, unknown> | string;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

const SAMPLES: Record<Kind, SampleSpec> = {
  remedy: {
    fields: (now) => ({
      employee_id: 'sample_user',
      remedy_time: now - 3600_000,
      remedy_reason: 'deployment check',
      start_time: seconds(now) - 600,
      end_time: seconds(now),
    }),
    byUserId: (to) => ({ employee_id: to }),
    byOpenId: () =>
      'the remedy (补卡) event names its employee by user_id only (employee_id) and has no open_id field, ' +
      "so the bot can only DM a user_id for it. Pass the employee's user_id, or send a shift sample, which carries an open_id.",
  },
  shift: {
    fields: () => ({ shift_time: '2026-12-01 09:00:00', return_time: '2026-12-02 09:00:00', shift_reason: 'deployment check' }),
    byUserId: (to) => ({ employee_id: to, open_id: '' }),
    byOpenId: (to) => ({ open_id: to, employee_id: '' }),
  },
  leave: {
    fields: () => ({ leave_start_time: '2026-12-01 09:00:00', leave_end_time: '2026-12-03 18:00:00', leave_interval: 259200, leave_unit: 'DAY', leave_reason: 'deployment check' }),
    byUserId: (to) => ({ user_id: to, open_id: '' }),
    byOpenId: (to) => ({ open_id: to, user_id: '' }),
  },
  out: {
    fields: () => ({ out_start_time: '2026-12-01 14:00:00', out_end_time: '2026-12-01 17:30:00', out_interval: 12600, out_unit: 'HOUR', out_reason: 'deployment check' }),
    byUserId: (to) => ({ user_id: to, open_id: '' }),
    byOpenId: (to) => ({ open_id: to, user_id: '' }),
  },
  overtime: {
    fields: () => ({
      allow_multi_time_range: 1,
      time_range: [
        { work_start_time: '2026-12-01 19:00:00', work_end_time: '2026-12-01 22:00:00' },
        { work_start_time: '2026-12-02 19:00:00', work_end_time: '2026-12-02 21:30:00' },
      ],
      work_start_time: '2026-12-01 19:00:00',
      work_end_time: '2026-12-02 21:30:00',
      work_interval: 19800,
      work_reason: 'deployment check',
    }),
    byUserId: (to) => ({ employee_id: to, open_id: '' }),
    byOpenId: (to) => ({ open_id: to, employee_id: '' }),
  },
  trip: {
    fields: () => ({
      schedules: [
        { trip_start_time: '2026-12-01 08:00:00', trip_end_time: '2026-12-01 12:00:00', trip_interval: '14400', departure: '北京', destination: '上海', transportation: '高铁', trip_type: '单程' },
        { trip_start_time: '2026-12-03 16:00:00', trip_end_time: '2026-12-03 20:00:00', trip_interval: '14400', departure: '上海', destination: '北京', transportation: '高铁', trip_type: '单程' },
      ],
      trip_interval: '216000',
      trip_reason: 'deployment check',
      // The sample's fellow traveller is no one in a real tenant.
      trip_peers: [],
    }),
    byUserId: (to) => ({ start_user: { id: { user_id: to } } }),
    byOpenId: (to) => ({ start_user: { id: { open_id: to } } }),
  },
};

interface SendSampleArgs {
  kind: Kind;
  /** `send-sample revert <kind>`: the revocation of an approval of that kind (needs --instance_code). */
  revert: boolean;
  url?: string;
  dryRun: boolean;
  to?: string;
  fields: Record<string, unknown>;
}

function parse(args: string[]): SendSampleArgs {
  const revert = args[0] === 'revert';
  const [kind, ...rest] = revert ? args.slice(1) : args;
  if (kind === undefined || !isKindName(kind)) throw new UsageError(`send-sample needs a kind: ${KIND_NAMES.join(', ')} (or revert <kind>)`);
  const parsed: SendSampleArgs = { kind, revert, dryRun: false, fields: {} };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === '--dry-run') {
      parsed.dryRun = true;
      continue;
    }
    const value = rest[++i];
    if (!flag.startsWith('--') || value === undefined || value.startsWith('--')) throw new UsageError(`expected --<field> <value>, got ${flag}`);
    if (flag === '--url') parsed.url = value;
    else if (flag === '--to') parsed.to = value;
    // Numbers stay numbers (remedy_time, start_time…); everything else is text.
    else parsed.fields[flag.slice(2)] = /^\d+$/.test(value) ? Number(value) : value;
  }
  if (revert && typeof parsed.fields.instance_code !== 'string') {
    throw new UsageError('send-sample revert needs --instance_code <code>: the instance_code a send-sample printed (or a real one)');
  }
  if (revert && parsed.to !== undefined) throw new UsageError('send-sample revert takes no --to: a revocation names the instance, not a person');
  return parsed;
}

/**
 * The event fields that make `to` the employee. The remedy event names its employee by user_id
 * (employee_id) only; the others carry an open_id and a user_id, and the bot DMs the open_id when
 * there is one, so the other is cleared.
 */
export function recipientFields(kind: Kind, to: string): Record<string, unknown> {
  if (to.startsWith('oc_')) {
    throw new UsageError(
      `--to ${to}: a chat id cannot be the employee. An attendance approval names one employee, not a chat; ` +
        'the team card goes to the chats in the bot\'s NOTIFY_CHAT_IDS. Pass the employee\'s user_id or open_id.',
    );
  }
  if (to.startsWith('on_')) throw new UsageError(`--to ${to}: a union_id names no one in these events; pass the employee's user_id or open_id.`);
  if (to.startsWith('ou_')) {
    const fields = SAMPLES[kind].byOpenId(to);
    if (typeof fields === 'string') throw new UsageError(`--to ${to}: ${fields}`);
    return fields;
  }
  if (!/^\S+$/.test(to)) throw new UsageError(`--to ${JSON.stringify(to)}: expected a user_id, or an open_id (ou_…)`);
  return SAMPLES[kind].byUserId(to);
}

function defaultUrl(): string {
  const port = process.env.PORT?.trim() || '3000';
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new ConfigError('PORT', 'expected an integer from 0 to 65535', port);
  return `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
}

/** Who the bot will DM, read from the event the way the bot reads it. */
function employeeOf(kind: Kind, event: unknown): string {
  const opened = openEnvelope(event);
  if (!opened.ok || opened.envelope.kind !== 'event') return 'no one: not an event envelope';
  const normalized = kindNamed(kind).normalize(opened.envelope.payload, opened.envelope);
  if (!normalized.ok) return `no one: the bot will find the event ${normalized.outcome} (${normalized.reason})`;
  const employee = kindNamed(kind).employee(normalized.event);
  return `${employee.receiveIdType}:${employee.receiveId} (DM); the team card goes to the bot's NOTIFY_CHAT_IDS`;
}

/** What a revocation sample does, said after it. */
const revokes = (kind: Kind) =>
  `revokes that ${kind} approval (${revertEventTypeFor(kind)}): the bot edits the cards it sent for it to "revoked", or cancels those not sent yet`;

const MASK = '<FEISHU_VERIFICATION_TOKEN, masked>';

/** The event with its verification token hidden, for printing (v2 bodies hold it in the header, v1 at the top). */
function masked(event: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(event) as Record<string, any>;
  if (copy.header?.token) copy.header.token = MASK;
  if (copy.token) copy.token = MASK;
  return copy;
}

export async function sendSample(args: string[]): Promise<number> {
  const { kind, revert, url, dryRun, to, fields } = parse(args);
  loadDotEnv();
  if (url === undefined && !dryRun) throw new UsageError('send-sample needs --url <bot url> (or --dry-run)');
  const address = url ?? defaultUrl();
  let target: URL;
  try {
    target = new URL(address);
  } catch {
    throw new UsageError(`--url ${url}: not a URL like http://127.0.0.1:3000`);
  }
  if (target.pathname === '/' || target.pathname === '') target.pathname = WEBHOOK_PATH;

  const appId = process.env.FEISHU_APP_ID?.trim() || 'cli_a1b2c3d4e5f60718';
  const token = process.env.FEISHU_VERIFICATION_TOKEN?.trim() || undefined;
  const encryptKey = process.env.FEISHU_ENCRYPT_KEY?.trim() || undefined;
  const identity = { appId, token };
  const recipient = to === undefined ? {} : recipientFields(kind, to);
  const now = Date.now();
  const instanceCode = crypto.randomUUID().toUpperCase();
  const event = revert
    ? revertSeedEvent(kind, identity, { operate_time: String(Math.floor(now / 1000)), ...fields })
    : SEED_EVENTS[kind](identity, { instance_code: instanceCode, ...SAMPLES[kind].fields(now), ...recipient, ...fields });
  const sentCode = String(seedFields(event).instance_code);
  const request = feishuRequest(event, { encryptKey });
  const how = encryptKey ? 'encrypted and signed' : 'plain: FEISHU_ENCRYPT_KEY is not set';

  if (dryRun) {
    // The request as it would leave, byte for byte, except that a plain body shows the token masked.
    console.log(`dry run, nothing sent (${how})`);
    console.log(`POST ${target}`);
    for (const [name, value] of Object.entries(request.headers)) console.log(`${name}: ${value}`);
    console.log('');
    console.log(encryptKey ? request.body : JSON.stringify(masked(event)));
    console.log('');
    console.log(encryptKey ? 'the event inside, verification token masked:' : 'the event, verification token masked:');
    console.log(JSON.stringify(masked(event), null, 2));
    console.log(`instance_code ${sentCode}`);
    console.log(revert ? revokes(kind) : `employee ${employeeOf(kind, event)}`);
    return 0;
  }

  let status: number;
  let answer: string;
  try {
    const response = await fetch(target, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    status = response.status;
    answer = await response.text();
  } catch (error) {
    console.error(describeNetworkFailure(error, { method: 'POST', url: target.toString(), timeoutMs: SEND_TIMEOUT_MS }));
    return 1;
  }
  console.log(`POST ${target} (${how}) → ${status} ${answer}`);
  console.log(`instance_code ${sentCode}`);
  console.log(revert ? revokes(kind) : `employee ${employeeOf(kind, event)}`);
  return status === 200 ? 0 : 1;
}
