// The Open Platform calls the bot makes, through the official SDK client.
import * as lark from '@larksuiteoapi/node-sdk';
import type { ReceiveIdType } from '../approvals/types.js';
import type { Logger } from '../log.js';
import { tokenRefusal, type CredentialState } from './credentials.js';
import { fetchHttpInstance, OpenPlatformHttpError } from './http.js';
import { describeError, sdkLogger } from './sdk-logger.js';

export interface CardMessage {
  receiveIdType: ReceiveIdType;
  receiveId: string;
  /** The card JSON as a string. */
  content: string;
  uuid: string;
}

export type SendResult =
  | { ok: true; messageId: string }
  | {
      ok: false;
      /** Feishu's business code, when the answer had one. */
      code?: number;
      httpStatus?: number;
      message: string;
      /** From x-ogw-ratelimit-reset. */
      retryAfterMs?: number;
    };

export interface MessageSender {
  sendCard(message: CardMessage): Promise<SendResult>;
  /** Drops the cached tenant token so the next call fetches a fresh one. */
  invalidateToken(): void;
}

export interface CredentialCheck {
  /** Fetches a tenant token (or finds it cached) and says what Feishu made of the credentials. */
  checkCredentials(): Promise<CredentialState>;
  /** What the last token fetch said. */
  credentials(): CredentialState;
}

export interface AttendanceApi {
  /** The time zone of the attendance group `userId` (a user_id) belongs to on `day` (yyyyMMdd). */
  attendanceZone(userId: string, day: number): Promise<{ zone: string } | { error: string }>;
}

export interface FeishuClientOptions {
  appId: string;
  appSecret: string;
  baseUrl: string;
  timeoutMs?: number;
  log: Logger;
  /** Called when what Feishu says of the credentials changes (a send's token fetch counts too). */
  onCredentials?: (now: CredentialState, before: CredentialState) => void;
}

/** A token cache of our own: the SDK's default one is shared by every Client in the process. */
function tokenCache() {
  const entries = new Map<string | symbol, { value: unknown; expiresAt: number }>();
  return {
    async get(key: string | symbol) {
      const entry = entries.get(key);
      return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
    },
    async set(key: string | symbol, value: unknown, expiresAt = Infinity) {
      entries.set(key, { value, expiresAt });
      return true;
    },
    clear: () => entries.clear(),
  };
}

function failure(response: { code?: number; msg?: string }, what: string): { error: string } {
  return { error: `${what}: code ${response.code ?? '?'}: ${response.msg ?? ''}`.trim() };
}

export function createFeishuClient(options: FeishuClientOptions): MessageSender & AttendanceApi & CredentialCheck {
  const cache = tokenCache();
  const client = new lark.Client({
    appId: options.appId,
    appSecret: options.appSecret,
    domain: options.baseUrl,
    cache: cache as unknown as lark.Cache,
    httpInstance: fetchHttpInstance(options.timeoutMs ?? 10_000),
    logger: sdkLogger(options.log),
    loggerLevel: lark.LoggerLevel.warn,
  });

  // The SDK's token manager fetches a token per caller on a cache miss; concurrent sends share
  // one request instead, and the SDK then finds the token in the cache.
  let tokenRequest: Promise<unknown> | undefined;
  let credentials: CredentialState = { state: 'unchecked' };
  const note = (now: CredentialState) => {
    const before = credentials;
    credentials = now;
    if (now.state !== before.state) options.onCredentials?.(now, before);
  };
  const ensureToken = () =>
    (tokenRequest ??= (client.tokenManager.getTenantAccessToken() as Promise<unknown>)
      .then(
        (token) => {
          note({ state: 'accepted' });
          return token;
        },
        (error: unknown) => {
          const refusal = tokenRefusal(error);
          note(refusal ? { state: 'rejected', ...refusal } : { state: 'unreachable', message: describeError(error) });
          throw error;
        },
      )
      .finally(() => {
        tokenRequest = undefined;
      }));

  const groupZones = new Map<string, { zone: string; expiresAt: number }>();

  return {
    invalidateToken: () => cache.clear(),

    credentials: () => credentials,
    async checkCredentials() {
      await ensureToken().catch(() => {});
      return credentials;
    },

    async attendanceZone(userId, day) {
      try {
        await ensureToken();
        const shifts = await client.attendance.v1.userDailyShift.query({
          params: { employee_type: 'employee_id' },
          data: { user_ids: [userId], check_date_from: day, check_date_to: day },
        });
        if (shifts.code !== 0) return failure(shifts, 'user_daily_shifts/query');
        const groupId = shifts.data?.user_daily_shifts?.find((s) => s.user_id === userId)?.group_id;
        if (!groupId) return { error: `no attendance group for ${userId} on ${day}` };
        const cached = groupZones.get(groupId);
        if (cached && cached.expiresAt > Date.now()) return { zone: cached.zone };
        const group = await client.attendance.v1.group.get({
          path: { group_id: groupId },
          params: { employee_type: 'employee_id', dept_type: 'open_id' },
        });
        if (group.code !== 0) return failure(group, `groups/${groupId}`);
        const zone = group.data?.time_zone;
        if (!zone) return { error: `attendance group ${groupId} has no time_zone` };
        groupZones.set(groupId, { zone, expiresAt: Date.now() + 24 * 60 * 60_000 });
        return { zone };
      } catch (error) {
        if (error instanceof OpenPlatformHttpError) {
          const body = (error.body ?? {}) as { code?: number; msg?: string };
          return { error: `HTTP ${error.status}: code ${body.code ?? '?'}: ${body.msg ?? ''}`.trim() };
        }
        return { error: describeError(error) };
      }
    },

    async sendCard(message) {
      try {
        await ensureToken();
        const response = await client.im.v1.message.create({
          params: { receive_id_type: message.receiveIdType },
          data: { receive_id: message.receiveId, msg_type: 'interactive', content: message.content, uuid: message.uuid },
        });
        if (response.code === 0 && response.data?.message_id) return { ok: true, messageId: response.data.message_id };
        return { ok: false, code: response.code, httpStatus: 200, message: response.msg ?? `code ${response.code}` };
      } catch (error) {
        if (error instanceof OpenPlatformHttpError) {
          const body = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as { code?: number; msg?: string };
          const reset = Number(error.headers.get('x-ogw-ratelimit-reset'));
          return {
            ok: false,
            code: typeof body.code === 'number' ? body.code : undefined,
            httpStatus: error.status,
            message: body.msg ?? `HTTP ${error.status}`,
            ...(Number.isFinite(reset) && reset > 0 ? { retryAfterMs: reset * 1000 } : {}),
          };
        }
        return { ok: false, message: describeError(error) };
      }
    },
  };
}
