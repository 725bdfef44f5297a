import { describe, expect, it } from 'vitest';
import { decryptEvent, DecryptError, encryptEvent, secretEquals, signature, signatureMatches } from '../../src/ingest/crypto.js';

describe('event encryption', () => {
  it('decrypts the documented test vector', () => {
    expect(decryptEvent('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', 'test key')).toBe('hello world');
  });

  it('round-trips what it encrypts, with a fresh IV each time', () => {
    const a = encryptEvent('{"补卡":"ok"}', 'k');
    expect(a).not.toBe(encryptEvent('{"补卡":"ok"}', 'k'));
    expect(decryptEvent(a, 'k')).toBe('{"补卡":"ok"}');
  });

  it('fails clearly on a wrong key, bad base64 or a wrong length', () => {
    const encrypted = encryptEvent('hello', 'right');
    expect(() => decryptEvent(encrypted, 'wrong')).toThrow(DecryptError);
    expect(() => decryptEvent('***', 'k')).toThrow(/not base64/);
    expect(() => decryptEvent('QUJD', 'k')).toThrow(/wrong length/);
  });

  it('uses the key it is given on each call, however the calls alternate', () => {
    const first = encryptEvent('one', 'key one');
    const second = encryptEvent('two', 'key two');
    expect(decryptEvent(first, 'key one')).toBe('one');
    expect(() => decryptEvent(first, 'key two')).toThrow(DecryptError);
    expect(decryptEvent(second, 'key two')).toBe('two');
    expect(decryptEvent(first, 'key one')).toBe('one');
    expect(() => decryptEvent(second, 'key one')).toThrow(DecryptError);
  });
});

describe('request signature', () => {
  const body = Buffer.from('{"encrypt":"abc"}');

  it('is hex SHA-256 of timestamp + nonce + key + raw body', () => {
    // sha256('1700000000' + 'nonce' + 'key' + '{"encrypt":"abc"}'), computed with sha256sum
    expect(signature('1700000000', 'nonce', 'key', body)).toBe('5e8a13a367b5c5cdae40a01e6e557dc1e66b1f74ff0134a9f83a844f84d9d64b');
  });

  it('matches only the exact bytes, timestamp, nonce and key', () => {
    const sig = signature('1', 'n', 'k', body);
    expect(signatureMatches(sig, '1', 'n', 'k', body)).toBe(true);
    expect(signatureMatches(sig.toUpperCase(), '1', 'n', 'k', body)).toBe(true);
    expect(signatureMatches(sig, '2', 'n', 'k', body)).toBe(false);
    expect(signatureMatches(sig, '1', 'm', 'k', body)).toBe(false);
    expect(signatureMatches(sig, '1', 'n', 'j', body)).toBe(false);
    // Same JSON, different bytes: a re-serialised body must not verify.
    expect(signatureMatches(sig, '1', 'n', 'k', Buffer.from('{"encrypt": "abc"}'))).toBe(false);
    expect(signatureMatches('short', '1', 'n', 'k', body)).toBe(false);
  });

  it('compares tokens exactly', () => {
    expect(secretEquals('abc', 'abc')).toBe(true);
    expect(secretEquals('abc', 'abd')).toBe(false);
    expect(secretEquals('abc', 'abcd')).toBe(false);
  });
});
