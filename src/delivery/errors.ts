// What to do about a failed send or card edit (FEISHU-NOTES §4, §10): give up now, refresh the
// token, or retry.
import type { SendResult } from '../feishu/client.js';

type Failure = Extract<SendResult, { ok: false }>;

// 230011, 230031 and 230110 refuse card edits (PATCH …/messages/:message_id): the message itself
// can no longer be changed, so no retry helps.
export const PERMANENT_CODES: Readonly<Record<number, string>> = {
  230002: 'the bot is not in the chat',
  230011: 'the message was recalled: the card cannot be edited',
  230013: "the user is outside the app's availability",
  230025: 'the message is too long',
  230028: 'blocked by data-leak protection',
  230029: 'the user has resigned',
  230031: 'the message is older than 14 days: the card cannot be edited',
  230035: 'no permission to send',
  230053: 'the user stopped the bot',
  230099: 'the card could not be built',
  230110: 'the message was deleted: the card cannot be edited',
  232009: 'the chat was dissolved',
};

/** The tenant token is invalid or expired. */
export const TOKEN_CODES: ReadonlySet<number> = new Set([99991661, 99991663, 99991664, 99991668]);
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([99991400, 230020]);

export type Decision =
  | { action: 'dead'; reason: string }
  | { action: 'refresh-token'; reason: string }
  | { action: 'retry'; reason: string; retryAfterMs?: number; rateLimited?: boolean };

export function describeFailure(failure: Failure): string {
  const parts = [
    failure.code !== undefined ? `code ${failure.code}` : undefined,
    failure.httpStatus !== undefined ? `HTTP ${failure.httpStatus}` : undefined,
    failure.message,
  ].filter(Boolean);
  return parts.join(': ');
}

export function decide(failure: Failure): Decision {
  const reason = describeFailure(failure);
  const { code, httpStatus } = failure;
  if (code !== undefined && PERMANENT_CODES[code]) return { action: 'dead', reason: `${reason} (${PERMANENT_CODES[code]})` };
  if (code !== undefined && TOKEN_CODES.has(code)) return { action: 'refresh-token', reason };
  if ((code !== undefined && RATE_LIMIT_CODES.has(code)) || httpStatus === 429) {
    return { action: 'retry', reason, retryAfterMs: failure.retryAfterMs, rateLimited: true };
  }
  // Other 4xx answers are requests Feishu will never accept as they are.
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500 && httpStatus !== 408) return { action: 'dead', reason };
  // Network errors, timeouts, 5xx, and unknown codes on HTTP 200: try again later.
  return { action: 'retry', reason };
}
