// Small readers for untrusted payload fields; each returns a value or a reason.
import { isObject, type Json } from '../ingest/envelope.js';
import type { Normalized } from './types.js';

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
