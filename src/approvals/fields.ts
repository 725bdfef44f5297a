// Small readers for untrusted payload fields; each returns a value or a reason.
import { oneLine } from '../cards/escape.js';
import { LOCALES, type LocalizedText } from '../cards/locales.js';
import { normalizeWallClock } from '../cards/time.js';
import { isObject, type Json } from '../ingest/envelope.js';
import type { DurationUnit, Normalized, WallClockRange } from './types.js';

export class FieldError extends Error {}

export function requiredString(payload: Json, name: string): string {
  const value = payload[name];
  if (typeof value !== 'string' || value.trim() === '') throw new FieldError(`${name} is missing or not a non-empty string`);
  return value.trim();
}

export function optionalString(payload: Json, name: string): string | undefined {
  const value = payload[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new FieldError(`${name} is not a string`);
  return value.trim() === '' ? undefined : value.trim();
}

/** Free text such as a reason: absent means empty; anything but a string is an error. */
export function text(payload: Json, name: string): string {
  const value = payload[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new FieldError(`${name} is not a string`);
  return value;
}

/** v2 approval events put their fields under event.object; accept them at event level too. */
export function objectFields(payload: Json): Json {
  return isObject(payload.object) ? payload.object : payload;
}

/** Runs a payload reader; a FieldError it throws makes the event `rejected` with that reason. */
export function validated(read: () => Normalized): Normalized {
  try {
    return read();
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, outcome: 'rejected', reason: error.message };
    throw error;
  }
}

/** A short, safe rendering of an untrusted value for a reason text. */
export function preview(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** A zone-less `yyyy-MM-dd HH:mm[:ss]` field, normalized to `yyyy-MM-dd HH:mm:ss`. */
export function wallClock(payload: Json, name: string, label = name): string {
  const value = payload[name];
  if (typeof value !== 'string' || value.trim() === '') throw new FieldError(`${label} is missing or not a time like 2018-12-01 12:00:00`);
  const normalized = normalizeWallClock(value);
  if (normalized === undefined) throw new FieldError(`${label} ${preview(value)} is not a time like 2018-12-01 12:00:00`);
  return normalized;
}

/** A start and an end that can both be true: the end is not before the start. */
export function wallClockRange(payload: Json, startName: string, endName: string, label = ''): WallClockRange {
  const start = wallClock(payload, startName, `${label}${startName}`);
  const end = wallClock(payload, endName, `${label}${endName}`);
  if (end < start) throw new FieldError(`${label}${endName} ${end} is before ${label}${startName} ${start}`);
  return { start, end };
}

/** Ten years: a longer duration is a garbled value, not a leave or a trip. */
const MAX_SECONDS = 10 * 366 * 86_400;

/**
 * A count of seconds (`*_interval`), a number or a numeric string (the trip event sends strings).
 * Absent, empty or 0 → null: the card then reads the duration from the times.
 */
export function seconds(payload: Json, name: string): number | null {
  const value = payload[name];
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > MAX_SECONDS) throw new FieldError(`${name} ${preview(value)} is not a number of seconds`);
  return n === 0 ? null : n;
}

/** An employee the event names by user_id and/or open_id (field names differ between events). */
export function employeeIds(payload: Json, userIdFields: readonly string[], openIdField = 'open_id'): { employeeUserId?: string; employeeOpenId?: string } {
  let employeeUserId: string | undefined;
  for (const field of userIdFields) employeeUserId ??= optionalString(payload, field);
  const employeeOpenId = optionalString(payload, openIdField);
  if (employeeUserId === undefined && employeeOpenId === undefined) {
    throw new FieldError(`neither ${openIdField} nor ${userIdFields.join(' nor ')} names the employee`);
  }
  return { ...(employeeUserId !== undefined ? { employeeUserId } : {}), ...(employeeOpenId !== undefined ? { employeeOpenId } : {}) };
}

const UNITS: Record<string, DurationUnit> = {
  DAY: 'DAY',
  HALF_DAY: 'HALF_DAY',
  HALR_DAY: 'HALF_DAY', // so spelled in the out-of-office field table
  HOUR: 'HOUR',
  HALF_HOUR: 'HALF_HOUR',
  MINUTE: 'MINUTE',
};
// leave_approval (the v1 leave event) numbers its units: 1 day, 2 half day, 3 hour, 4 half hour, 5 minute.
const NUMBERED_UNITS: readonly DurationUnit[] = ['DAY', 'HALF_DAY', 'HOUR', 'HALF_HOUR', 'MINUTE'];

/**
 * The unit the employee asked in: a name (`DAY`, `HALF_DAY`, `HOUR`…) or leave_approval's number.
 * A name or number not known here is not an error — the duration is still worded, only without
 * the unit's hint — but anything other than a string or a number is.
 */
export function durationUnit(payload: Json, name: string): DurationUnit | null {
  const value = payload[name];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number') return NUMBERED_UNITS[value - 1] ?? null;
  if (typeof value !== 'string') throw new FieldError(`${name} ${preview(value)} is not a unit such as DAY or HOUR`);
  return UNITS[value.trim().toUpperCase()] ?? (/^[1-5]$/.test(value.trim()) ? NUMBERED_UNITS[Number(value) - 1]! : null);
}

/** A type name (leave type, out type…) or a place: one line, at most this many characters. */
export const NAME_MAX_CHARS = 40;

export interface I18nResource {
  locale: string;
  isDefault: boolean;
  texts: Record<string, string>;
}

function resourceOf(entry: unknown): I18nResource | undefined {
  if (typeof entry === 'string') {
    try {
      return resourceOf(JSON.parse(entry));
    } catch {
      return undefined;
    }
  }
  if (!isObject(entry) || typeof entry.locale !== 'string' || !isObject(entry.texts)) return undefined;
  const texts: Record<string, string> = {};
  for (const [key, text] of Object.entries(entry.texts)) if (typeof text === 'string') texts[key] = text;
  return { locale: entry.locale.trim().toLowerCase().replace('-', '_'), isDefault: entry.is_default === true || entry.is_default === 'true', texts };
}

/**
 * `[{is_default=true,locale=zh_cn,texts={@i18n@7276381556766212099=事假}}]`: how the leave page's
 * newer sample shows i18n_resources, a Java map printed as text. Keys start with @i18n@, so a
 * text runs to the next `, @i18n@` or the closing brace.
 */
function printedResources(text: string): I18nResource[] {
  const resources: I18nResource[] = [];
  for (const match of text.matchAll(/\{([^{}]*)texts=\{([^{}]*)\}([^{}]*)\}/g)) {
    const attributes = `${match[1]},${match[3]}`;
    const locale = /(?:^|[,\s])locale=([A-Za-z_-]+)/.exec(attributes)?.[1];
    if (locale === undefined) continue;
    const texts: Record<string, string> = {};
    for (const pair of match[2]!.split(/,\s*(?=@i18n@)/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) texts[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
    }
    resources.push({ locale: locale.toLowerCase().replace('-', '_'), isDefault: /(?:^|[,\s])is_default=true/.test(attributes), texts });
  }
  return resources;
}

/**
 * `i18n_resources`: the texts of `@i18n@` keys per locale. The pages show three shapes — a list of
 * objects, a list of JSON strings (out of office), and one string holding a printed Java list
 * (leave, newer sample) — and all three are read. Entries that are none of these are skipped: a
 * key they would have named then reads as its neutral word, never as the key. A value that is not
 * a list or a string at all is a malformed event.
 */
export function i18nResources(payload: Json, name = 'i18n_resources'): I18nResource[] {
  const value = payload[name];
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') {
    const trimmed = value.trim();
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map(resourceOf).filter((r): r is I18nResource => r !== undefined);
    } catch {
      // not JSON: the printed form
    }
    return printedResources(trimmed);
  }
  if (!Array.isArray(value)) throw new FieldError(`${name} is not a list of texts per locale`);
  return value.map(resourceOf).filter((r): r is I18nResource => r !== undefined);
}

const I18N_KEY = /^@?i18n@/i;

/**
 * A name the event gives either as an `@i18n@` key (resolved per card locale through
 * i18n_resources: that locale's text, else the default locale's) or as plain text (the same in
 * every locale). A key that resolves nowhere gives no text, so the card shows its neutral word:
 * a key is never shown.
 */
export function localizedName(payload: Json, name: string, resources: readonly I18nResource[]): LocalizedText {
  const raw = optionalString(payload, name);
  if (raw === undefined) return {};
  const result: LocalizedText = {};
  if (!I18N_KEY.test(raw)) {
    const text = oneLine(raw, NAME_MAX_CHARS);
    if (text !== '') for (const locale of LOCALES) result[locale] = text;
    return result;
  }
  const fallback = resources.find((r) => r.isDefault)?.texts[raw];
  for (const locale of LOCALES) {
    const text = oneLine(resources.find((r) => r.locale === locale)?.texts[raw] ?? fallback ?? '', NAME_MAX_CHARS);
    if (text !== '') result[locale] = text;
  }
  return result;
}

/** A one-line text field such as a place (absent → ''). */
export function lineText(payload: Json, name: string, max = NAME_MAX_CHARS): string {
  return oneLine(text(payload, name), max);
}
