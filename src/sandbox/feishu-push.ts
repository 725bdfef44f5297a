// Pushes an event to a bot the way Feishu does: encrypted and signed when there is an encrypt key.
import { randomBytes } from 'node:crypto';
import { encryptEvent, signature } from '../ingest/crypto.js';

export interface PushOptions {
  encryptKey?: string;
  /** Send the signature headers (Feishu omits them only for url_verification). */
  sign?: boolean;
  /** Overrides for the request headers, e.g. a forged signature. */
  headers?: Record<string, string>;
  /** Gives up on the answer, as Feishu does after 3 s. */
  signal?: AbortSignal;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** `event` is an object, or JSON text to send as it is. */
export function feishuRequest(event: unknown, options: PushOptions = {}): SignedRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const text = typeof event === 'string' ? event : JSON.stringify(event);
  if (!options.encryptKey) return { body: text, headers: { ...headers, ...options.headers } };
  const body = JSON.stringify({ encrypt: encryptEvent(text, options.encryptKey) });
  if (options.sign !== false) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    headers['x-lark-request-timestamp'] = timestamp;
    headers['x-lark-request-nonce'] = nonce;
    headers['x-lark-signature'] = signature(timestamp, nonce, options.encryptKey, Buffer.from(body, 'utf8'));
  }
  return { body, headers: { ...headers, ...options.headers } };
}

export async function pushEvent(webhookUrl: string, event: unknown, options: PushOptions = {}): Promise<Response> {
  const { body, headers } = feishuRequest(event, options);
  return fetch(webhookUrl, { method: 'POST', headers, body, signal: options.signal });
}
