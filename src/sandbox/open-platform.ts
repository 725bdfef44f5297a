// A sandbox Open Platform on 127.0.0.1 that behaves like Feishu for the calls the bot makes:
// tenant tokens, message sends honouring `uuid` for an hour, the 30 KB card limit, card 2.0 shape
// checks, the directory (chat members, users, departments, attendance groups) with Feishu's
// paging and error codes (see src/feishu/directory.ts for where they come from), edits of sent cards
// (PATCH /open-apis/im/v1/messages/:message_id, FEISHU-NOTES §10), and error codes on demand. The
// demo and the tests point the real SDK at it.
import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { longConnectionSandbox, type LongConnectionOptions } from './long-connection.js';

export interface SandboxMessage {
  messageId: string;
  receiveIdType: string;
  receiveId: string;
  msgType: string;
  content: string;
  card: Record<string, unknown>;
  uuid?: string;
  /** When it was sent (ageMessage moves it back). */
  at: number;
  /** Edits applied; `content` and `card` are the latest. */
  edits: number;
  /** The contents before each edit, oldest first. */
  editHistory: string[];
  recalled?: boolean;
  deleted?: boolean;
}

interface FaultAnswer {
  /** How many matching requests fail; forever when absent. */
  times?: number;
  httpStatus?: number;
  code?: number;
  msg?: string;
  headers?: Record<string, string>;
}

/** An injected failure: of sends (the default, so faults written before edits keep their meaning) or of edits. */
export type Fault = FaultAnswer &
  (
    | {
        method?: 'send';
        /** Which sends fail; every send when absent. */
        match?: (send: { receiveIdType: string; receiveId: string }) => boolean;
      }
    | {
        method: 'edit';
        /** Which edits fail; every edit when absent. */
        match?: (edit: { messageId: string }) => boolean;
      }
  );

export interface SandboxLimits {
  appPerSecond: number;
  appPerMinute: number;
  perChatPerSecond: number;
  perUserPerSecond: number;
  /** Edits of one message per second (Feishu: 5); 5 when absent. */
  perMessageEditsPerSecond?: number;
}

/** Feishu's documented send and edit limits (FEISHU-NOTES §4, §10). */
export const FEISHU_SEND_LIMITS: SandboxLimits = { appPerSecond: 50, appPerMinute: 1000, perChatPerSecond: 5, perUserPerSecond: 5, perMessageEditsPerSecond: 5 };

export type ChaosMode = 'http500' | 'hang' | 'drop' | 'http429';

export interface Chaos {
  /** Share of sends that fail, 0..1. */
  rate: number;
  modes: readonly ChaosMode[];
  /** For hang and drop: the share of those where the message was sent before the answer was lost. */
  sentBeforeLoss?: number;
  random?: () => number;
}

export interface SandboxOptions {
  appId: string;
  appSecret: string;
  port?: number;
  /** Token lifetime in seconds (Feishu: 7200). */
  tokenExpireSeconds?: number;
  /** Enforce send limits like Feishu; false to switch them off. Default: Feishu's. */
  limits?: SandboxLimits | false;
  /** The long-connection endpoint's client config. */
  longConnection?: LongConnectionOptions;
}

export interface AttendanceDirectory {
  /** user_id → attendance group id */
  users: Record<string, string>;
  /** group id → time_zone */
  groups: Record<string, string>;
  /** group id → group_name; `Group <id>` when absent. */
  groupNames?: Record<string, string>;
}

/** Chats, users and departments as the contact and chat APIs show them. Ids are user_ids and open_department_ids. */
export interface SandboxDirectory {
  chats?: Record<string, { members: string[]; botIsMember?: boolean }>;
  users?: Record<string, { openId: string; name: string; enName?: string; departments: string[] }>;
  departments?: Record<string, { name: string; parent?: string }>;
}

/** The APIs a directory fault can target: attendance covers both attendance calls, department both department calls. */
export type DirectoryApiName = 'chatMembers' | 'user' | 'department' | 'attendance';

export type DirectoryFault =
  /** HTTP 400, code 99991672, naming the scopes the call accepts, as Feishu does. */
  | { mode: 'permission' }
  /** Any answer; HTTP 400 when only a code is given, 500 when neither is. */
  | { mode: 'error'; status?: number; code?: number; msg?: string; headers?: Record<string, string> }
  /** Waits, then answers normally (a client with a shorter timeout has given up by then). */
  | { mode: 'hang'; ms: number };

/**
 * The scope lists Feishu names in its 99991672 answers, per API (from the API reference pages;
 * the department-get list is assumed, its page was not read).
 */
const REQUIRED_SCOPES: Record<'chatMembers' | 'user' | 'departmentParent' | 'department' | 'attendance', string[]> = {
  chatMembers: ['im:chat', 'im:chat.group_info:readonly', 'im:chat.members:read', 'im:chat:readonly'],
  user: ['contact:contact.base:readonly', 'contact:contact:access_as_app', 'contact:contact:readonly', 'contact:contact:readonly_as_app'],
  departmentParent: [
    'contact:contact.base:readonly',
    'contact:department.organize:readonly',
    'contact:contact:access_as_app',
    'contact:contact:readonly',
    'contact:contact:readonly_as_app',
  ],
  department: ['contact:contact.base:readonly', 'contact:department.base:readonly', 'contact:contact:access_as_app', 'contact:contact:readonly', 'contact:contact:readonly_as_app'],
  attendance: ['attendance:rule', 'attendance:rule:readonly'],
};

export type AttendanceFault = { mode: 'error'; code?: number; msg?: string } | { mode: 'hang'; ms: number };

/** Arrival times in a sliding window. */
class Arrivals {
  private times: number[] = [];
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}
  /** Seconds until one more would fit, or 0. */
  resetSeconds(now: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length < this.limit) return 0;
    return Math.max(1, Math.ceil((this.times[this.times.length - this.limit]! + this.windowMs - now) / 1000));
  }
  add(now: number): void {
    this.times.push(now);
  }
}

const UUID_WINDOW_MS = 60 * 60_000;
/** Feishu edits only messages sent within 14 days (FEISHU-NOTES §10). */
const EDIT_WINDOW_MS = 14 * 24 * 60 * 60_000;
const CARD_MAX_BYTES = 30 * 1024;
const RECEIVE_ID_TYPES = new Set(['open_id', 'user_id', 'union_id', 'email', 'chat_id']);
const CARD_KEYS = new Set(['schema', 'config', 'header', 'body', 'card_link', 'i18n_header', 'i18n_body']);

export async function startSandbox(options: SandboxOptions) {
  const messages: SandboxMessage[] = [];
  let appSecret = options.appSecret;
  const tokens = new Set<string>();
  const byUuid = new Map<string, SandboxMessage>();
  const faults: Fault[] = [];
  const byId = new Map<string, SandboxMessage>();
  /** editRequests counts every PATCH that arrived, editsApplied those that changed a card. */
  const stats = { sendRequests: 0, resendsAbsorbed: 0, tokenRequests: 0, limitErrors: 0, chaosFailures: 0, editRequests: 0, editsApplied: 0 };
  const waiters = new Set<() => void>();
  const limits = options.limits === undefined ? FEISHU_SEND_LIMITS : options.limits;
  const appWindows = limits ? [new Arrivals(limits.appPerSecond, 1000), new Arrivals(limits.appPerMinute, 60_000)] : [];
  const recipientWindows = new Map<string, Arrivals>();
  const messageEditWindows = new Map<string, Arrivals>();
  let chaos: Chaos | undefined;
  let attendance: AttendanceDirectory = { users: {}, groups: {} };
  let attendanceFault: AttendanceFault | undefined;
  const attendanceStats = { shiftQueries: 0, groupQueries: 0, queriedUsers: [] as string[] };
  let directory: Required<SandboxDirectory> = { chats: {}, users: {}, departments: {} };
  const directoryFaults = new Map<DirectoryApiName | 'all', DirectoryFault>();
  /** Requests per API (every page counts), and chat-member requests per chat. */
  const directoryStats = { chatMembers: 0, user: 0, department: 0, attendance: 0, byChat: {} as Record<string, number> };

  /** Feishu's answer when a send is over a limit, or undefined when it is within them all. */
  function overLimit(receiveIdType: string, receiveId: string, now: number) {
    if (!limits) return undefined;
    const key = `${receiveIdType}:${receiveId}`;
    let recipient = recipientWindows.get(key);
    if (!recipient) {
      recipient = new Arrivals(receiveIdType === 'chat_id' ? limits.perChatPerSecond : limits.perUserPerSecond, 1000);
      recipientWindows.set(key, recipient);
    }
    const appReset = Math.max(...appWindows.map((w) => w.resetSeconds(now)));
    if (appReset > 0) return { httpStatus: 429, code: 99991400, msg: 'request trigger frequency limit', reset: appReset };
    const reset = recipient.resetSeconds(now);
    if (reset > 0) {
      return receiveIdType === 'chat_id'
        ? { httpStatus: 400, code: 230020, msg: 'This operation triggers the frequency limit.', reset }
        : { httpStatus: 429, code: 99991400, msg: 'request trigger frequency limit', reset };
    }
    for (const w of [...appWindows, recipient]) w.add(now);
    return undefined;
  }

  /**
   * Feishu's answer when an edit is over a limit, or undefined. Edits share the app's windows with
   * sends; one message takes 5 edits/s, and its refusal is 230020, the frequency-limit code the
   * PATCH reference lists (open.larksuite.com …/reference/im-v1/message/patch, "Error code").
   */
  function overEditLimit(messageId: string, now: number) {
    if (!limits) return undefined;
    let perMessage = messageEditWindows.get(messageId);
    if (!perMessage) {
      perMessage = new Arrivals(limits.perMessageEditsPerSecond ?? 5, 1000);
      messageEditWindows.set(messageId, perMessage);
    }
    const appReset = Math.max(...appWindows.map((w) => w.resetSeconds(now)));
    if (appReset > 0) return { httpStatus: 429, code: 99991400, msg: 'request trigger frequency limit', reset: appReset };
    const reset = perMessage.resetSeconds(now);
    if (reset > 0) return { httpStatus: 400, code: 230020, msg: 'This operation triggers the frequency limit.', reset };
    for (const w of [...appWindows, perMessage]) w.add(now);
    return undefined;
  }

  /** The first injected fault for this request, used up by one. */
  function takeFault(request: { method: 'send'; receiveIdType: string; receiveId: string } | { method: 'edit'; messageId: string }): Fault | undefined {
    const fault = faults.find((f) => {
      if (f.times !== undefined && f.times <= 0) return false;
      if (f.method === 'edit') return request.method === 'edit' && (!f.match || f.match({ messageId: request.messageId }));
      return request.method === 'send' && (!f.match || f.match({ receiveIdType: request.receiveIdType, receiveId: request.receiveId }));
    });
    if (fault?.times !== undefined) fault.times--;
    return fault;
  }

  const error = (c: Context, httpStatus: number, code: number, msg: string, headers: Record<string, string> = {}) =>
    c.json({ code, msg }, httpStatus as 400, headers);

  const app = new Hono<{ Bindings: HttpBindings }>();
  const ws = longConnectionSandbox(options.longConnection);
  let baseUrl = '';

  app.post('/callback/ws/endpoint', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { AppID?: string; AppSecret?: string };
    if (body.AppID !== options.appId || body.AppSecret !== appSecret) {
      return c.json({ code: 514, msg: 'auth failed', data: {} });
    }
    return c.json(ws.endpoint(baseUrl));
  });

  app.post('/open-apis/auth/v3/tenant_access_token/internal', async (c) => {
    stats.tokenRequests++;
    const body = (await c.req.json().catch(() => ({}))) as { app_id?: string; app_secret?: string };
    // As Feishu: an app id it does not know is 10003, a secret that is not the app's is 10014.
    if (body.app_id !== options.appId) return c.json({ code: 10003, msg: 'invalid param' });
    if (body.app_secret !== appSecret) return c.json({ code: 10014, msg: 'app secret invalid' });
    const token = `t-${randomBytes(16).toString('hex')}`;
    tokens.add(token);
    return c.json({ code: 0, msg: 'ok', tenant_access_token: token, expire: options.tokenExpireSeconds ?? 7200 });
  });

  const authorized = (c: Context) => {
    const token = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    return token !== undefined && tokens.has(token);
  };
  /**
   * What a directory request meets before its own logic: the token check (as for sends), then an
   * injected fault. Undefined: go on.
   */
  async function directoryTrouble(c: Context, api: DirectoryApiName, scopes: string[]): Promise<Response | undefined> {
    if (!authorized(c)) return error(c, 400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
    const fault = directoryFaults.get(api) ?? directoryFaults.get('all');
    if (fault?.mode === 'hang') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.mode === 'permission') {
      return c.json(
        {
          code: 99991672,
          msg: `Access denied. One of the following scopes is required: [${scopes.join(', ')}].应用尚未开通所需的应用身份权限：[${scopes.join(', ')}]，点击链接申请并开通任一权限即可：https://open.feishu.cn/app/${options.appId}/auth?q=${scopes.join(',')}&op_from=openapi&token_type=tenant`,
          error: { permission_violations: scopes.map((subject) => ({ type: 'action_scope_required', subject })) },
        },
        400,
      );
    }
    if (fault?.mode === 'error') {
      const status = fault.status ?? (fault.code !== undefined ? 400 : 500);
      return error(c, status, fault.code ?? (status >= 500 ? 1500 : 0), fault.msg ?? 'internal error (injected)', fault.headers);
    }
    return undefined;
  }

  const notFound = (c: Context, code: number, msg: string) => error(c, 400, code, msg);

  app.get('/open-apis/im/v1/chats/:chat_id/members', async (c) => {
    const chatId = c.req.param('chat_id');
    directoryStats.chatMembers++;
    directoryStats.byChat[chatId] = (directoryStats.byChat[chatId] ?? 0) + 1;
    const trouble = await directoryTrouble(c, 'chatMembers', REQUIRED_SCOPES.chatMembers);
    if (trouble) return trouble;
    const idType = c.req.query('member_id_type') ?? 'open_id';
    if (idType !== 'open_id' && idType !== 'user_id') return error(c, 400, 232015, 'Your request specifies a member_id_type which is NOT supported.');
    const chat = directory.chats[chatId];
    if (!chat) return notFound(c, 232006, 'Your request specifies a chat_id which is invalid.');
    if (chat.botIsMember === false) return notFound(c, 232011, 'Operator can NOT be out of the chat.');
    const pageSize = Number(c.req.query('page_size') ?? 20);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return error(c, 400, 232001, 'Your request contains an invalid request parameter: page_size must be 1..100.');
    const start = pageStart(c.req.query('page_token'), chatId);
    if (start === undefined) return error(c, 400, 232001, 'Your request contains an invalid request parameter: page_token.');
    const page = chat.members.slice(start, start + pageSize);
    const hasMore = start + pageSize < chat.members.length;
    return c.json({
      code: 0,
      msg: 'success',
      data: {
        items: page.map((userId) => ({
          member_id_type: idType,
          member_id: idType === 'user_id' ? userId : openIdOf(userId),
          name: directory.users[userId]?.name ?? userId,
          tenant_key: 'sandbox_tenant',
        })),
        page_token: hasMore ? pageToken(chatId, start + pageSize) : '',
        has_more: hasMore,
        member_total: chat.members.length,
      },
    });
  });

  app.get('/open-apis/contact/v3/users/:user_id', async (c) => {
    directoryStats.user++;
    const trouble = await directoryTrouble(c, 'user', REQUIRED_SCOPES.user);
    if (trouble) return trouble;
    const id = c.req.param('user_id');
    const idType = c.req.query('user_id_type') ?? 'open_id';
    const departmentIdType = c.req.query('department_id_type') ?? 'open_department_id';
    if (departmentIdType !== 'open_department_id') return error(c, 400, 40001, 'param error: this sandbox knows departments by open_department_id only');
    let userId: string | undefined;
    if (idType === 'user_id') userId = directory.users[id] ? id : undefined;
    else if (idType === 'open_id') userId = Object.keys(directory.users).find((u) => directory.users[u]!.openId === id);
    else return error(c, 400, 40001, `param error: user_id_type ${idType} is not supported by this sandbox`);
    if (userId === undefined) {
      return idType === 'user_id' ? notFound(c, 99992360, `these ids not existed: [${id}]`) : notFound(c, 99992351, `these open ids not existed: [${id}]`);
    }
    const user = directory.users[userId]!;
    return c.json({
      code: 0,
      msg: 'success',
      data: {
        user: {
          user_id: userId,
          open_id: user.openId,
          union_id: `on_${userId}`,
          name: user.name,
          en_name: user.enName ?? '',
          department_ids: user.departments,
        },
      },
    });
  });

  // Registered before /departments/:department_id so that "parent" is never taken for an id.
  app.get('/open-apis/contact/v3/departments/parent', async (c) => {
    directoryStats.department++;
    const trouble = await directoryTrouble(c, 'department', REQUIRED_SCOPES.departmentParent);
    if (trouble) return trouble;
    const id = c.req.query('department_id') ?? '';
    if ((c.req.query('department_id_type') ?? 'open_department_id') !== 'open_department_id') {
      return error(c, 400, 40001, 'param error: this sandbox knows departments by open_department_id only');
    }
    if (!directory.departments[id]) return notFound(c, 99992357, `these open_department ids not existed: [${id}]`);
    const ancestors: string[] = [];
    for (let next = directory.departments[id]!.parent; next && next !== '0' && !ancestors.includes(next) && next !== id; ) {
      ancestors.push(next);
      next = directory.departments[next]?.parent;
    }
    const pageSize = Number(c.req.query('page_size') ?? 10);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) return error(c, 400, 40011, 'page size is invalid error');
    const start = pageStart(c.req.query('page_token'), id);
    if (start === undefined) return error(c, 400, 40012, 'page token is invalid error');
    const hasMore = start + pageSize < ancestors.length;
    return c.json({
      code: 0,
      msg: 'success',
      data: {
        has_more: hasMore,
        page_token: hasMore ? pageToken(id, start + pageSize) : '',
        items: ancestors.slice(start, start + pageSize).map(departmentItem),
      },
    });
  });

  app.get('/open-apis/contact/v3/departments/:department_id', async (c) => {
    directoryStats.department++;
    const trouble = await directoryTrouble(c, 'department', REQUIRED_SCOPES.department);
    if (trouble) return trouble;
    const id = c.req.param('department_id');
    if ((c.req.query('department_id_type') ?? 'open_department_id') !== 'open_department_id') {
      return error(c, 400, 40001, 'param error: this sandbox knows departments by open_department_id only');
    }
    if (!directory.departments[id]) return notFound(c, 99992357, `these open_department ids not existed: [${id}]`);
    return c.json({ code: 0, msg: 'success', data: { department: departmentItem(id) } });
  });

  function departmentItem(id: string) {
    const department = directory.departments[id]!;
    return { name: department.name, open_department_id: id, department_id: id, parent_department_id: department.parent ?? '0', status: { is_deleted: false } };
  }
  function openIdOf(userId: string): string {
    return directory.users[userId]?.openId ?? `ou_${userId}`;
  }
  // Page tokens are opaque to the client; here they carry the list they belong to and an offset.
  function pageToken(list: string, offset: number): string {
    return Buffer.from(JSON.stringify([list, offset])).toString('base64url');
  }
  function pageStart(token: string | undefined, list: string): number | undefined {
    if (!token) return 0;
    try {
      const [owner, offset] = JSON.parse(Buffer.from(token, 'base64url').toString()) as [unknown, unknown];
      return owner === list && Number.isInteger(offset) && (offset as number) >= 0 ? (offset as number) : undefined;
    } catch {
      return undefined;
    }
  }

  async function attendanceTrouble(c: Context): Promise<Response | undefined> {
    directoryStats.attendance++;
    if (!authorized(c)) return error(c, 400, 99991663, 'Invalid access token for authorization.');
    const directoryFault = await directoryTrouble(c, 'attendance', REQUIRED_SCOPES.attendance);
    if (directoryFault) return directoryFault;
    if (attendanceFault?.mode === 'hang') await new Promise((r) => setTimeout(r, attendanceFault && 'ms' in attendanceFault ? attendanceFault.ms : 0));
    if (attendanceFault?.mode === 'error') {
      return c.json({ code: attendanceFault.code ?? 1220001, msg: attendanceFault.msg ?? 'no permission: attendance:rule:readonly' });
    }
    return undefined;
  }

  app.post('/open-apis/attendance/v1/user_daily_shifts/query', async (c) => {
    attendanceStats.shiftQueries++;
    const body = (await c.req.json().catch(() => ({}))) as { user_ids?: string[]; check_date_from?: number };
    attendanceStats.queriedUsers.push(...(body.user_ids ?? []));
    const trouble = await attendanceTrouble(c);
    if (trouble) return trouble;
    if (c.req.query('employee_type') !== 'employee_id') return c.json({ code: 1220001, msg: 'employee_type must be employee_id' });
    const day = String(body.check_date_from ?? '');
    const shifts = (body.user_ids ?? [])
      .filter((user) => attendance.users[user] !== undefined)
      .map((user) => ({ group_id: attendance.users[user]!, shift_id: '0', month: Number(day.slice(0, 6)), user_id: user, day_no: Number(day.slice(6)) }));
    return c.json({ code: 0, msg: 'success', data: { user_daily_shifts: shifts } });
  });

  app.get('/open-apis/attendance/v1/groups/:group_id', async (c) => {
    attendanceStats.groupQueries++;
    const trouble = await attendanceTrouble(c);
    if (trouble) return trouble;
    const id = c.req.param('group_id');
    const zone = attendance.groups[id];
    if (zone === undefined) return c.json({ code: 1220600, msg: `group ${id} not found` });
    return c.json({ code: 0, msg: 'success', data: { group_id: id, group_name: attendance.groupNames?.[id] ?? `Group ${id}`, time_zone: zone } });
  });

  app.post('/open-apis/im/v1/messages', async (c) => {
    stats.sendRequests++;
    if (!authorized(c)) {
      return error(c, 400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
    }
    const receiveIdType = c.req.query('receive_id_type') ?? '';
    if (!RECEIVE_ID_TYPES.has(receiveIdType)) return error(c, 400, 230001, `invalid receive_id_type "${receiveIdType}"`);
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body.receive_id !== 'string' || body.receive_id === '') return error(c, 400, 230001, 'receive_id is required');
    if (typeof body.content !== 'string') return error(c, 400, 230001, 'content is required');
    if (body.uuid !== undefined && (typeof body.uuid !== 'string' || body.uuid.length > 50)) {
      return error(c, 400, 230001, 'uuid must be a string of at most 50 characters');
    }
    const uuid = body.uuid as string | undefined;
    const receiveId = body.receive_id;

    const limited = overLimit(receiveIdType, receiveId, Date.now());
    if (limited) {
      stats.limitErrors++;
      return error(c, limited.httpStatus, limited.code, limited.msg, { 'x-ogw-ratelimit-reset': String(limited.reset) });
    }

    // Random trouble on the way: the request fails, or the answer is lost (maybe after the send).
    const trouble = chaos && chaos.random!() < chaos.rate ? chaos.modes[Math.floor(chaos.random!() * chaos.modes.length)] : undefined;
    if (trouble === 'http500') return (stats.chaosFailures++, error(c, 500, 0, 'internal error (chaos)'));
    if (trouble === 'http429') {
      stats.chaosFailures++;
      return error(c, 429, 99991400, 'request trigger frequency limit (chaos)', { 'x-ogw-ratelimit-reset': '1' });
    }

    const previous = uuid !== undefined ? byUuid.get(uuid) : undefined;
    const resend = previous !== undefined && Date.now() - previous.at < UUID_WINDOW_MS;
    if (trouble === 'hang' || trouble === 'drop') {
      stats.chaosFailures++;
      if (!resend && chaos!.random!() < (chaos!.sentBeforeLoss ?? 0.5)) {
        const check = validateCard(body);
        if (!check.error) record(receiveIdType, receiveId, body.content, check.card, uuid);
      }
      if (trouble === 'drop') {
        c.env.incoming.socket.destroy();
      }
      return new Promise<Response>(() => {}); // never answered
    }
    if (resend) {
      stats.resendsAbsorbed++;
      return c.json({ code: 0, msg: 'success', data: { message_id: previous.messageId } });
    }

    const fault = takeFault({ method: 'send', receiveIdType, receiveId });
    if (fault) {
      return error(c, fault.httpStatus ?? 400, fault.code ?? 0, fault.msg ?? 'injected failure', fault.headers);
    }

    const check = validateCard(body);
    if (check.error) return error(c, 400, check.error.code, check.error.msg);
    const message = record(receiveIdType, receiveId, body.content, check.card, uuid);
    return c.json({ code: 0, msg: 'success', data: { message_id: message.messageId, chat_id: 'oc_sandbox', msg_type: 'interactive' } });
  });

  // Edits of sent cards. The codes for recalled (230011), deleted (230110) and older than 14 days
  // (230031) are from the PATCH reference's error table
  // (open.larksuite.com/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/patch). That table
  // names no code for an unknown message_id nor for a card without update_multi: the sandbox
  // answers 230001 (invalid request parameter) and 230099 (failed to create card content), each
  // with an ext= saying why — assumptions, not observed answers.
  app.patch('/open-apis/im/v1/messages/:message_id', async (c) => {
    stats.editRequests++;
    if (!authorized(c)) {
      return error(c, 400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
    }
    const messageId = c.req.param('message_id');
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body.content !== 'string') return error(c, 400, 230001, 'Your request contains an invalid request parameter, ext=content is required');
    const content = body.content;

    const limited = overEditLimit(messageId, Date.now());
    if (limited) {
      stats.limitErrors++;
      return error(c, limited.httpStatus, limited.code, limited.msg, { 'x-ogw-ratelimit-reset': String(limited.reset) });
    }
    const fault = takeFault({ method: 'edit', messageId });
    if (fault) return error(c, fault.httpStatus ?? 400, fault.code ?? 0, fault.msg ?? 'injected failure', fault.headers);

    const message = byId.get(messageId);
    if (!message) return error(c, 400, 230001, `Your request contains an invalid request parameter, ext=message ${messageId} does not exist`);
    if (message.deleted) return error(c, 400, 230110, 'Action unavailable as the message has been deleted.');
    if (message.recalled) return error(c, 400, 230011, 'The message is recalled.');
    if (Date.now() - message.at > EDIT_WINDOW_MS) return error(c, 400, 230031, 'Message can only be modified within 14 days after sending.');
    const check = validateCard({ msg_type: 'interactive', content });
    if (check.error) return error(c, 400, check.error.code, check.error.msg);
    const unshared = !isShared(message.card) ? 'the sent card' : !isShared(check.card) ? 'the new card' : undefined;
    if (unshared) {
      return error(c, 400, 230099, `Failed to create card content, ext=${unshared} is not a shared card: config.update_multi must be true before and after an edit`);
    }

    message.editHistory.push(message.content);
    message.content = content;
    message.card = check.card;
    message.edits++;
    stats.editsApplied++;
    for (const wake of waiters) wake();
    return c.json({ code: 0, msg: 'success', data: {} });
  });

  function validateCard(body: Record<string, unknown>): { card: Record<string, unknown>; error?: undefined } | { card?: undefined; error: { code: number; msg: string } } {
    if (body.msg_type !== 'interactive') return { error: { code: 230001, msg: 'this sandbox accepts interactive messages only' } };
    if (Buffer.byteLength(body.content as string, 'utf8') > CARD_MAX_BYTES) return { error: { code: 230025, msg: 'message content is too long' } };
    let card: Record<string, unknown>;
    try {
      card = JSON.parse(body.content as string);
    } catch {
      return { error: { code: 230099, msg: 'card content is not JSON' } };
    }
    if (card.type === 'template') {
      const data = card.data as Record<string, unknown> | undefined;
      if (typeof data?.template_id !== 'string' || data.template_id === '') {
        return { error: { code: 230099, msg: 'Failed to create card content: template_id is required' } };
      }
      return { card };
    }
    const unknown = Object.keys(card).find((key) => !CARD_KEYS.has(key));
    if (card.schema !== '2.0' || unknown !== undefined) {
      return { error: { code: 230099, msg: `Failed to create card content: ${unknown ? `unknown property ${unknown}` : 'schema must be 2.0'}` } };
    }
    return { card };
  }

  function record(receiveIdType: string, receiveId: string, content: unknown, card: Record<string, unknown>, uuid?: string): SandboxMessage {
    const message: SandboxMessage = {
      messageId: `om_${randomBytes(12).toString('hex')}`,
      receiveIdType,
      receiveId,
      msgType: 'interactive',
      content: content as string,
      card,
      uuid,
      at: Date.now(),
      edits: 0,
      editHistory: [],
    };
    messages.push(message);
    byId.set(message.messageId, message);
    if (uuid !== undefined) byUuid.set(uuid, message);
    for (const wake of waiters) wake();
    return message;
  }

  function sent(messageId: string): SandboxMessage {
    const message = byId.get(messageId);
    if (!message) throw new Error(`sandbox: no message ${messageId}`);
    return message;
  }

  function waitUntil<T>(done: () => boolean, value: () => T, progress: () => string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(value());
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`sandbox: ${progress()} after ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }

  app.notFound((c) => c.json({ code: 404, msg: `sandbox has no ${c.req.method} ${c.req.path}` }, 404));

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  ws.attach(server as Server);

  return {
    url: baseUrl,
    /** The long connection: push events, read acknowledgements, drop connections. */
    ws,
    messages,
    stats,
    /** Makes matching sends (or, with method: 'edit', edits) fail until `times` is used up. */
    fail(fault: Fault): void {
      faults.push(fault);
    },
    /** The app's secret changes (an admin resets it in the console); tokens issued stay valid. */
    setAppSecret(secret: string): void {
      appSecret = secret;
    },
    clearFaults(): void {
      faults.length = 0;
    },
    attendanceStats,
    /** Who is in which attendance group, and each group's time zone. */
    setAttendance(directory: AttendanceDirectory): void {
      attendance = directory;
    },
    /** Requests per directory API (every page counts), and chat-member requests per chat id. */
    directoryStats,
    /** Replaces the chats, users and departments the contact and chat APIs show. */
    setDirectory(next: SandboxDirectory): void {
      directory = { chats: structuredClone(next.chats ?? {}), users: structuredClone(next.users ?? {}), departments: structuredClone(next.departments ?? {}) };
    },
    /** Someone joins a chat (at the end of the member list, as a newcomer would be). */
    addChatMember(chatId: string, userId: string): void {
      const chat = (directory.chats[chatId] ??= { members: [] });
      if (!chat.members.includes(userId)) chat.members.push(userId);
    },
    removeChatMember(chatId: string, userId: string): void {
      const chat = directory.chats[chatId];
      if (chat) chat.members = chat.members.filter((m) => m !== userId);
    },
    /** The bot is added to (true) or removed from (false) a chat. */
    setBotInChat(chatId: string, member: boolean): void {
      (directory.chats[chatId] ??= { members: [] }).botIsMember = member;
    },
    /** Makes one directory API (or all) refuse, fail or hang, until called again with undefined. */
    setDirectoryFault(api: DirectoryApiName | 'all', fault: DirectoryFault | undefined): void {
      if (fault) directoryFaults.set(api, fault);
      else directoryFaults.delete(api);
    },
    /** Makes every attendance call fail or hang, until called again with undefined. */
    setAttendanceFault(fault: AttendanceFault | undefined): void {
      attendanceFault = fault;
    },
    /** Random failures on a share of sends, until called again with undefined. */
    setChaos(next: Chaos | undefined): void {
      chaos = next && { random: Math.random, ...next };
    },
    /** Invalidates every issued tenant token, as an expiry or a revocation would. */
    revokeTokens(): void {
      tokens.clear();
    },
    /** Resolves once `count` messages have arrived; rejects after `timeoutMs`. */
    waitForMessages(count: number, timeoutMs = 10_000): Promise<SandboxMessage[]> {
      return waitUntil(() => messages.length >= count, () => messages.slice(), () => `${messages.length} of ${count} messages`, timeoutMs);
    },
    /** Resolves with the edited messages once `count` edits in all have been applied; rejects after `timeoutMs`. */
    untilEdited(count: number, timeoutMs = 10_000): Promise<SandboxMessage[]> {
      return waitUntil(
        () => stats.editsApplied >= count,
        () => messages.filter((m) => m.edits > 0),
        () => `${stats.editsApplied} of ${count} edits`,
        timeoutMs,
      );
    },
    /** Makes a message look `ms` older, as time would (past 14 days it can no longer be edited). */
    ageMessage(messageId: string, ms: number): void {
      sent(messageId).at -= ms;
    },
    /** The message is recalled, as by its sender in the client; edits then fail with 230011. */
    recallMessage(messageId: string): void {
      sent(messageId).recalled = true;
    },
    /** The message is deleted; edits then fail with 230110. */
    deleteMessage(messageId: string): void {
      sent(messageId).deleted = true;
    },
    close(): Promise<void> {
      ws.close();
      return new Promise((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

/** A card an edit may replace, or replace with: Feishu edits shared cards only; template cards are taken as shared. */
function isShared(card: Record<string, unknown>): boolean {
  if (card.type === 'template') return true;
  const config = card.config as Record<string, unknown> | undefined;
  return config?.update_multi === true;
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
