// The Open Platform calls the bot makes, through the official SDK client.
import type * as Lark from '@larksuiteoapi/node-sdk';
import { lark } from './lark-sdk.js';
import type { ReceiveIdType } from '../approvals/types.js';
import type { Logger } from '../log.js';
import { tokenRefusal, type CredentialState } from './credentials.js';
import { classifyFailure, FIELD_SCOPE, missingField, TOKEN_CODES, type DirectoryApi, type DirectoryCall, type DirectoryUser, type LookupFailure } from './directory.js';
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

/** A sent card's new content (FEISHU-NOTES §10): the card must declare config.update_multi before and after. */
export interface CardEdit {
  messageId: string;
  /** The new card JSON as a string. */
  content: string;
}

export interface MessageSender {
  sendCard(message: CardMessage): Promise<SendResult>;
  /** Replaces a sent card in place; `messageId` on success is the edited message's own id. */
  updateCard(edit: CardEdit): Promise<SendResult>;
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
  /** Called when a lookup finds its tenant token refused and drops it (sends report theirs through the worker). */
  onTokenDropped?: () => void;
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

/** Feishu's answer body, as far as failures go. */
type Answer = { code?: number; msg?: string };

/**
 * A message call's outcome as a SendResult, whatever form it came in: an answer with a business
 * code, an HTTP error (its code, status and x-ogw-ratelimit-reset kept for decide()), or no answer.
 */
export function toSendResult(outcome: { answer: Answer; messageId?: string } | { error: unknown }): SendResult {
  if ('answer' in outcome) {
    const { answer, messageId } = outcome;
    if (answer.code === 0 && messageId) return { ok: true, messageId };
    return { ok: false, code: answer.code, httpStatus: 200, message: answer.msg ?? `code ${answer.code}` };
  }
  const { error } = outcome;
  if (error instanceof OpenPlatformHttpError) {
    const body = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as Answer;
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

/** Safety stop for pagination: a server that keeps saying has_more must not loop us forever. */
const MAX_PAGES = 1000;

export function createFeishuClient(options: FeishuClientOptions): MessageSender & AttendanceApi & CredentialCheck & DirectoryApi {
  const cache = tokenCache();
  const client = new lark.Client({
    appId: options.appId,
    appSecret: options.appSecret,
    domain: options.baseUrl,
    cache: cache as unknown as Lark.Cache,
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

  /**
   * A send or an edit: the token first (shared with every call), then the call. A refused token is
   * not dropped here: the worker asks decide(), which says refresh-token, and calls invalidateToken().
   */
  async function messageCall(call: () => Promise<{ answer: Answer; messageId?: string }>): Promise<SendResult> {
    try {
      await ensureToken();
      return toSendResult(await call());
    } catch (error) {
      return toSendResult({ error });
    }
  }

  const groupZones = new Map<string, { zone: string; expiresAt: number }>();

  /**
   * One directory request: the token first (shared with sends), then the call; any failure is
   * classified once, here. A refused token is dropped so that the next lookup fetches a new one.
   */
  async function ask<R extends Answer>(call: DirectoryCall, request: string, send: () => Promise<R>): Promise<{ ok: true; answer: R } | LookupFailure> {
    let failure: LookupFailure;
    try {
      await ensureToken();
      const answer = await send();
      if (answer.code === 0) return { ok: true, answer };
      failure = classifyFailure({ call, request, httpStatus: 200, code: answer.code, msg: answer.msg });
    } catch (error) {
      if (error instanceof OpenPlatformHttpError) {
        const body = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as Answer & {
          error?: { permission_violations?: { subject?: unknown }[] };
        };
        const violations = (body.error?.permission_violations ?? []).map((v) => v.subject).filter((s): s is string => typeof s === 'string');
        const reset = Number(error.headers.get('x-ogw-ratelimit-reset'));
        failure = classifyFailure({
          call,
          request,
          httpStatus: error.status,
          code: typeof body.code === 'number' ? body.code : undefined,
          msg: typeof body.msg === 'string' ? body.msg : typeof error.body === 'string' ? error.body.slice(0, 200) : undefined,
          violations,
          rateLimitResetSeconds: Number.isFinite(reset) && reset > 0 ? reset : undefined,
        });
      } else {
        // No answer, or the token fetch failed (its refusal is reported through credentials()).
        failure = classifyFailure({ call, request, error: describeError(error) });
      }
    }
    if (failure.code !== undefined && TOKEN_CODES.has(failure.code)) {
      cache.clear();
      options.onTokenDropped?.();
    }
    return failure;
  }

  const directory: DirectoryApi = {
    async chatMembers(chatId, idType) {
      const request = `GET /open-apis/im/v1/chats/${chatId}/members`;
      const ids: string[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await ask('chatMembers', request, () =>
          client.im.v1.chatMembers.get({
            path: { chat_id: chatId },
            params: { member_id_type: idType, page_size: 100, ...(pageToken ? { page_token: pageToken } : {}) },
          }),
        );
        if (!result.ok) return result;
        const data = result.answer.data;
        for (const item of data?.items ?? []) {
          // Without contact:user.employee_id:readonly a user_id is left out rather than refused.
          if (!item.member_id) return missingField(request, `member_id (${idType})`, idType === 'user_id' ? FIELD_SCOPE.memberUserId : 'im:chat.members:read');
          ids.push(item.member_id);
        }
        if (!data?.has_more) return { ok: true, value: [...new Set(ids)] };
        if (!data.page_token) return classifyFailure({ call: 'chatMembers', request, error: 'has_more without a page_token' });
        pageToken = data.page_token;
      }
      return classifyFailure({ call: 'chatMembers', request, error: `still has_more after ${MAX_PAGES} pages` });
    },

    async user(id) {
      const [idType, value] = id.userId ? (['user_id', id.userId] as const) : id.openId ? (['open_id', id.openId] as const) : [undefined, undefined];
      if (!idType) return { ok: false, kind: 'not-found', message: 'GET /open-apis/contact/v3/users: neither a user_id nor an open_id was given' };
      const request = `GET /open-apis/contact/v3/users/${value}`;
      const result = await ask('user', request, () =>
        client.contact.v3.user.get({
          path: { user_id: value },
          params: { user_id_type: idType, department_id_type: 'open_department_id' },
        }),
      );
      if (!result.ok) return result;
      const user = result.answer.data?.user;
      // A user always has a name and at least one department; their absence means a field
      // permission is missing, and a card routed on "no departments" would silently go nowhere.
      if (user?.name === undefined) return missingField(request, 'name', FIELD_SCOPE.userName);
      if (user.department_ids === undefined) return missingField(request, 'department_ids', FIELD_SCOPE.userDepartments);
      const found: DirectoryUser = {
        userId: user.user_id || (idType === 'user_id' ? value : undefined),
        openId: user.open_id || (idType === 'open_id' ? value : undefined),
        name: user.name,
        departmentIds: user.department_ids,
      };
      if (user.en_name) found.enName = user.en_name;
      if (found.userId === undefined) delete found.userId;
      if (found.openId === undefined) delete found.openId;
      return { ok: true, value: found };
    },

    async departmentAncestors(departmentId) {
      if (departmentId === '0') return { ok: true, value: [] };
      const request = `GET /open-apis/contact/v3/departments/parent?department_id=${departmentId}`;
      const ancestors: string[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        // No page_size: its documented maximum is unknown; the default page and page_token work.
        const result = await ask('departmentAncestors', request, () =>
          client.contact.v3.department.parent({
            params: { department_id: departmentId, department_id_type: 'open_department_id', ...(pageToken ? { page_token: pageToken } : {}) },
          }),
        );
        if (!result.ok) return result;
        const data = result.answer.data;
        for (const item of data?.items ?? []) {
          const id = item.open_department_id;
          if (id && id !== '0' && id !== departmentId) ancestors.push(id);
        }
        if (!data?.has_more) return { ok: true, value: [...new Set(ancestors)] };
        if (!data.page_token) return classifyFailure({ call: 'departmentAncestors', request, error: 'has_more without a page_token' });
        pageToken = data.page_token;
      }
      return classifyFailure({ call: 'departmentAncestors', request, error: `still has_more after ${MAX_PAGES} pages` });
    },

    async department(departmentId) {
      const request = `GET /open-apis/contact/v3/departments/${departmentId}`;
      const result = await ask('department', request, () =>
        client.contact.v3.department.get({
          path: { department_id: departmentId },
          params: { department_id_type: 'open_department_id' },
        }),
      );
      if (!result.ok) return result;
      const name = result.answer.data?.department?.name;
      if (name === undefined) return missingField(request, 'name', FIELD_SCOPE.departmentName);
      return { ok: true, value: { name } };
    },

    async attendanceGroup(userId, day) {
      const request = 'POST /open-apis/attendance/v1/user_daily_shifts/query';
      const result = await ask('attendanceGroup', request, () =>
        client.attendance.v1.userDailyShift.query({
          params: { employee_type: 'employee_id' },
          data: { user_ids: [userId], check_date_from: day, check_date_to: day },
        }),
      );
      if (!result.ok) return result;
      const groupId = result.answer.data?.user_daily_shifts?.find((s) => s.user_id === userId)?.group_id;
      return { ok: true, value: groupId && groupId !== '0' ? groupId : null };
    },

    async attendanceGroupInfo(groupId) {
      const request = `GET /open-apis/attendance/v1/groups/${groupId}`;
      const result = await ask('attendanceGroupInfo', request, () =>
        client.attendance.v1.group.get({
          path: { group_id: groupId },
          params: { employee_type: 'employee_id', dept_type: 'open_id' },
        }),
      );
      if (!result.ok) return result;
      const group = result.answer.data;
      return { ok: true, value: { name: group?.group_name ?? groupId, ...(group?.time_zone ? { timeZone: group.time_zone } : {}) } };
    },
  };

  return {
    ...directory,

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
      return messageCall(async () => {
        const answer = await client.im.v1.message.create({
          params: { receive_id_type: message.receiveIdType },
          data: { receive_id: message.receiveId, msg_type: 'interactive', content: message.content, uuid: message.uuid },
        });
        return { answer, messageId: answer.data?.message_id };
      });
    },

    async updateCard(edit) {
      return messageCall(async () => {
        const answer = await client.im.v1.message.patch({ path: { message_id: edit.messageId }, data: { content: edit.content } });
        // Feishu answers an edit with `data: {}`: the message keeps its id.
        return { answer, messageId: edit.messageId };
      });
    },
  };
}
