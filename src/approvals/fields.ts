// Small readers for untrusted payload fields; each returns a value or a reason.
import { isObject, type Json } from '../ingest/envelope.js';

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
