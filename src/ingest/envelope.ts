// Opens the two Feishu envelopes (v1.0 and v2.0) and url_verification into one typed shape.
import { createHash } from 'node:crypto';

export type Json = Record<string, unknown>;

export interface Challenge {
  kind: 'challenge';
  challenge: string;
  token?: string;
}

export interface EventEnvelope {
  kind: 'event';
  schema: '1.0' | '2.0';
  /** `header.event_id` (v2) or `uuid` (v1); derived from the content when Feishu sent none. */
  eventId: string;
  /** Trimmed: the seed pages register ' approval.instance.remedy_group_update_v4' with a space. */
  eventType: string;
  token?: string;
  appId?: string;
  tenantKey?: string;
  /** When Feishu created the event, epoch ms, if the envelope says. */
  createdAt?: number;
  /** The event fields: `event` for both schemas. */
  payload: Json;
}

export type Envelope = Challenge | EventEnvelope;
export type Opened = { ok: true; envelope: Envelope } | { ok: false; error: string };

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Epoch ms from a number or numeric string in ms or seconds (below 10^12 means seconds). */
export function epochMillis(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return Math.round(n < 1e12 ? n * 1000 : n);
}

/** A stable id for an envelope Feishu sent without one (the seed example has `event_id: ""`). */
function derivedId(body: Json): string | undefined {
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch {
    return undefined; // nested too deeply to serialise
  }
  return 'sha256:' + createHash('sha256').update(text).digest('hex').slice(0, 40);
}

const TOO_DEEP = 'envelope has no event id and is nested too deeply to derive one';

export function openEnvelope(body: unknown): Opened {
  if (!isObject(body)) return { ok: false, error: 'body is not a JSON object' };

  if (body.type === 'url_verification') {
    if (typeof body.challenge !== 'string') return { ok: false, error: 'url_verification without a challenge string' };
    return { ok: true, envelope: { kind: 'challenge', challenge: body.challenge, token: optionalString(body.token) } };
  }

  if (body.schema !== undefined) {
    if (body.schema !== '2.0') return { ok: false, error: `unsupported schema ${JSON.stringify(body.schema)}` };
    const header = body.header;
    if (!isObject(header)) return { ok: false, error: 'schema 2.0 envelope without a header object' };
    if (typeof header.event_type !== 'string' || header.event_type.trim() === '') {
      return { ok: false, error: 'schema 2.0 envelope without header.event_type' };
    }
    if (!isObject(body.event)) return { ok: false, error: 'schema 2.0 envelope without an event object' };
    const eventId = optionalString(header.event_id) ?? derivedId(body);
    if (eventId === undefined) return { ok: false, error: TOO_DEEP };
    return {
      ok: true,
      envelope: {
        kind: 'event',
        schema: '2.0',
        eventId,
        eventType: header.event_type.trim(),
        token: optionalString(header.token),
        appId: optionalString(header.app_id),
        tenantKey: optionalString(header.tenant_key),
        createdAt: epochMillis(header.create_time ?? header.event_create_time),
        payload: body.event,
      },
    };
  }

  if (body.type === 'event_callback') {
    const event = body.event;
    if (!isObject(event)) return { ok: false, error: 'event_callback envelope without an event object' };
    if (typeof event.type !== 'string' || event.type.trim() === '') {
      return { ok: false, error: 'event_callback envelope without event.type' };
    }
    const eventId = optionalString(body.uuid) ?? derivedId(body);
    if (eventId === undefined) return { ok: false, error: TOO_DEEP };
    return {
      ok: true,
      envelope: {
        kind: 'event',
        schema: '1.0',
        eventId,
        eventType: event.type.trim(),
        token: optionalString(body.token),
        appId: optionalString(event.app_id),
        tenantKey: optionalString(event.tenant_key),
        createdAt: epochMillis(body.ts),
        payload: event,
      },
    };
  }

  return { ok: false, error: 'not a Feishu event envelope (no schema 2.0 header, no event_callback, no url_verification)' };
}
