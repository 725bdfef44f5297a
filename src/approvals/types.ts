// The domain events the bot announces, parsed and validated from Feishu payloads, and what a kind
// of approval is to the rest of the bot.
import type { Localized, LocalizedText } from '../cards/locales.js';
import type { Variables } from '../cards/render.js';
import type { EventEnvelope, Json } from '../ingest/envelope.js';

export interface RemedyApproved {
  kind: 'remedy';
  instanceCode: string;
  /** The applicant's user_id (the remedy event carries no open_id). */
  employeeUserId: string;
  /** The clock-in time being remedied, epoch ms. */
  remedyAt: number;
  reason: string;
  approvalCode?: string;
}

export interface ShiftApproved {
  kind: 'shift';
  instanceCode: string;
  approvalCode?: string;
  employeeUserId?: string;
  employeeOpenId?: string;
  /** Wall-clock `yyyy-MM-dd HH:mm:ss` in the employee's attendance zone (no zone in the event). */
  shiftTime: string;
  /** Same format; null for a one-way shift change. */
  returnTime: string | null;
  reason: string;
}

/** How the employee asked for a duration (the form's unit); it says how to word the duration. */
export type DurationUnit = 'DAY' | 'HALF_DAY' | 'HOUR' | 'HALF_HOUR' | 'MINUTE';

/** A start and an end, wall clock `yyyy-MM-dd HH:mm:ss` in the employee's zone; end ≥ start. */
export interface WallClockRange {
  start: string;
  end: string;
}

/** 请假: leave_approval or leave_approvalV2 (both fire for one leave; the first to arrive is the card). */
export interface LeaveApproved extends WallClockRange {
  kind: 'leave';
  instanceCode: string;
  approvalCode?: string;
  employeeUserId?: string;
  employeeOpenId?: string;
  /** The leave type per card locale, as far as the event names it; other locales show a neutral word. */
  leaveType: LocalizedText;
  /** Seconds as Feishu counted them (leave_interval); null when the event has none. */
  intervalSeconds: number | null;
  /** null: the event names no unit it is known to use. */
  unit: DurationUnit | null;
  reason: string;
}

/** 外出: out_approval. */
export interface OutApproved extends WallClockRange {
  kind: 'out';
  instanceCode: string;
  approvalCode?: string;
  employeeUserId?: string;
  employeeOpenId?: string;
  outType: LocalizedText;
  intervalSeconds: number | null;
  unit: DurationUnit | null;
  reason: string;
}

/** 加班: work_approval. */
export interface OvertimeApproved {
  kind: 'overtime';
  instanceCode: string;
  approvalCode?: string;
  employeeUserId?: string;
  employeeOpenId?: string;
  overtimeType: LocalizedText;
  /** One range, or each range of a multi-range request, in the order the event gives them. */
  ranges: WallClockRange[];
  intervalSeconds: number | null;
  reason: string;
}

export interface TripLeg extends WallClockRange {
  /** One line each, as the employee typed or picked them; '' when the event leaves one out. */
  departure: string;
  destination: string;
  transportation: string;
  /** 单程 / 往返 as Feishu words it (or another word it may use). */
  tripType: string;
}

/** 出差: approval.instance.trip_group_update_v4. */
export interface TripApproved {
  kind: 'trip';
  instanceCode: string;
  approvalCode?: string;
  employeeUserId?: string;
  employeeOpenId?: string;
  /** At least one. */
  legs: TripLeg[];
  /** The whole trip, seconds (trip_interval); null when the event has none. */
  intervalSeconds: number | null;
  /** Fellow travellers' ids (open_id when the event gives one, else user_id), shown by name, never mentioned. */
  peers: string[];
  reason: string;
}

export type ApprovalEvent = RemedyApproved | ShiftApproved | LeaveApproved | OutApproved | OvertimeApproved | TripApproved;

export type ApprovalKindName = ApprovalEvent['kind'];

export type ReceiveIdType = 'open_id' | 'user_id' | 'chat_id';

export interface Recipient {
  audience: 'employee' | 'team';
  receiveIdType: ReceiveIdType;
  receiveId: string;
}

/** Who an approval is about: every id its event gives (at least one). */
export interface EmployeeIdentity {
  userId?: string;
  openId?: string;
}

export type Normalized =
  | { ok: true; event: ApprovalEvent }
  /** `ignored`: valid but not something to announce (e.g. not APPROVED). */
  | { ok: false; outcome: 'rejected' | 'ignored'; reason: string };

/** What a kind's card needs to know besides the event. */
export interface KindCardContext {
  /** The employee's IANA zone: times are shown, and wall clocks read, in it. */
  zone: string;
  /** TIMEZONE: team cards also show times there when they read differently. */
  teamZone: string;
}

/** The template variables a kind offers, beside the ones every kind offers (see src/cards/templates.ts). */
export interface KindTemplateVariables {
  names: readonly string[];
  /**
   * Those of `names` that read differently per locale: `{{name}}` in an `i18n_content` entry takes
   * that locale's text, and `name_zh_cn`, `name_en_us`, `name_ja_jp` are offered too.
   */
  localized?: readonly string[];
  /** Those of `names` that hold a list, one item per line, for `"$each"`. */
  lists?: readonly string[];
  /** A template of this kind without these is no confirmation of it: start-up stops. */
  required: readonly string[];
  /** The longest values these can plausibly take, for the card size check (others: a long date and time). */
  worstCase: Variables;
}

export interface ApprovalKind {
  kind: ApprovalKindName;
  /** The event types that carry this kind, matched exactly after trimming. */
  eventTypes: readonly string[];
  normalize(payload: Json, envelope: EventEnvelope): Normalized;
  /** Who the approval is about. */
  identity(event: ApprovalEvent): EmployeeIdentity;
  /** The employee's own card: to their open_id when the event gives one, else to their user_id. */
  employee(event: ApprovalEvent): Recipient;
  /**
   * The day (`yyyy-MM-dd`) the approval is about, in the employee's calendar as far as it is known
   * before their zone is: a wall clock's own date, or an instant's date in `fallbackZone`.
   */
  day(event: ApprovalEvent, fallbackZone: string): string;
  templateVariables: KindTemplateVariables;
  /** This kind's variables (every kind's common ones come from src/cards/card.ts). */
  cardVariables(event: ApprovalEvent, ctx: KindCardContext): Variables;
  /**
   * A digest row's words before the instance code and the link, per locale, from the card
   * variables; `name` is the employee's name escaped for markdown, or '' when it is not known.
   * Markdown: user text in it must be escaped.
   */
  digestRow(v: Variables, name: string): Localized;
}
