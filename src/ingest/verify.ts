// Opens a webhook request: signature over the raw bytes, decryption, envelope, token, app id.
// Deliberately not the SDK's EventDispatcher (FEISHU-NOTES §3: it hashes a re-serialised body,
// never checks the token). No freshness window on the timestamp: Feishu's own retries come up to
// ~7 h later and whether they keep the original timestamp is unverified; replays are caught by dedupe.
import { DecryptError, decryptEvent, secretEquals, signatureMatches } from './crypto.js';
import { isObject, openEnvelope, type Envelope } from './envelope.js';

export interface WebhookSecurity {
  appId?: string;
  encryptKey?: string;
  verificationToken?: string;
}

export interface WebhookRequest {
  rawBody: Uint8Array;
  header(name: string): string | undefined;
}

export type Verified = { ok: true; envelope: Envelope } | { ok: false; status: 400 | 401 | 403; error: string };

const reject = (status: 400 | 401 | 403, error: string): Verified => ({ ok: false, status, error });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function verifyWebhookRequest(request: WebhookRequest, security: WebhookSecurity): Verified {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(request.rawBody);
  } catch {
    return reject(400, 'body is not UTF-8 text');
  }
  let body = parseJson(text);
  if (body === undefined) return reject(400, 'body is not JSON');
  if (!isObject(body)) return reject(400, 'body is not a JSON object');

  const { encryptKey } = security;
  if ('encrypt' in body) {
    if (!encryptKey) return reject(400, 'body is encrypted but FEISHU_ENCRYPT_KEY is not set');
    if (typeof body.encrypt !== 'string') return reject(400, 'encrypt is not a string');
    const timestamp = request.header('x-lark-request-timestamp');
    const nonce = request.header('x-lark-request-nonce');
    const given = request.header('x-lark-signature');
    const signed = timestamp !== undefined && nonce !== undefined && given !== undefined;
    if (signed && !signatureMatches(given, timestamp, nonce, encryptKey, request.rawBody)) {
      return reject(401, 'X-Lark-Signature does not match the body');
    }
    let decrypted: string;
    try {
      decrypted = decryptEvent(body.encrypt, encryptKey);
    } catch (error) {
      if (!signed) return reject(401, 'missing X-Lark-Signature, X-Lark-Request-Timestamp or X-Lark-Request-Nonce');
      if (error instanceof DecryptError) return reject(400, error.message);
      throw error;
    }
    body = parseJson(decrypted);
    if (body === undefined) return reject(400, 'decrypted body is not JSON');
    // URL verification is the one encrypted body Feishu sends without signature headers.
    if (!signed && !(isObject(body) && body.type === 'url_verification')) {
      return reject(401, 'missing X-Lark-Signature, X-Lark-Request-Timestamp or X-Lark-Request-Nonce');
    }
  } else if (encryptKey && body.type !== 'url_verification') {
    return reject(401, 'events must be encrypted and signed while FEISHU_ENCRYPT_KEY is set');
  }

  const opened = openEnvelope(body);
  if (!opened.ok) return reject(400, opened.error);
  const { envelope } = opened;

  if (security.verificationToken && !secretEquals(envelope.token ?? '', security.verificationToken)) {
    return reject(401, 'verification token does not match FEISHU_VERIFICATION_TOKEN');
  }
  if (envelope.kind === 'event' && security.appId && envelope.appId !== undefined && envelope.appId !== security.appId) {
    return reject(403, `event is for app ${envelope.appId}, not this bot's FEISHU_APP_ID`);
  }
  return { ok: true, envelope };
}
