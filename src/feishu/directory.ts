// Directory lookups (chat membership, users, departments, attendance groups) for routing team
// cards, and the one place that decides what a failed lookup means.
//
// What the Open Platform documents, and where it was read (checked 2026, via the docs/pages
// search corpus; "UNCONFIRMED" marks what could not be confirmed and is handled either way):
//
// GET /open-apis/im/v1/chats/:chat_id/members
//   https://open.larksuite.com/document/server-docs/group/chat-member/get.md
//   - Scope: ANY ONE of im:chat, im:chat.group_info:readonly, im:chat.members:read,
//     im:chat:readonly (so "either" — the least one is im:chat.members:read). Member ids of type
//     user_id are a field permission: contact:user.employee_id:readonly.
//   - The bot must be in the chat; bots are never listed; a page may hold fewer or more members
//     than page_size (members who joined at the same time come together); 1000/min, 50/s.
//   - Bot not in the chat: 232011 "Operator can NOT be out of the chat." (HTTP 400). Seen in the
//     error tables of the chat APIs (e.g. https://s.apifox.cn/apidoc/docs-site/532425/api-9347251,
//     a mirror of the Feishu reference) and in a bot's real log for this very call after the bot
//     was removed ("list members failed: 232011 Operator can NOT be out of the chat"). 232004 is
//     "Such an app does NOT exist", not "bot not in chat".
//   - Same tables: 232006 invalid chat_id, 232009 chat dissolved, 232010 chat of another tenant,
//     232015 unsupported member_id_type, 232019 rate limited, 232025 bot ability off, 232033 no
//     scope for external chats, 232034 app not installed/enabled in the tenant.
//   - UNCONFIRMED: the exact error table of the members page itself (only the header was
//     readable); what an unknown oc_ id answers (232006 or the gateway's 99992355/99992356).
//
// Generic codes: https://open.larkoffice.com/document/server-docs/api-call-guide/generic-error-code.md
//   - 99991672 "Access denied. One of the following scopes is required: [a, b, …]" — the app lacks
//     a scope; the list is in msg (answers have been seen with HTTP 400 and with
//     error.permission_violations [{type: "action_scope_required", subject: "<scope>"}]). Newer
//     answers add a Chinese sentence and a grant link (…[a, b].应用尚未开通所需的应用身份权限：[a,b]，
//     点击链接申请并开通任一权限即可：https://open.feishu.cn/app/<app id>/auth?q=a,b&…), as seen
//     in several projects' logs and tests; the list is taken from the first [...] that holds
//     scope-like names, whatever the words around it. permission_violations may name other
//     things than scopes ({type: "tenant", subject: "app"}), so only scope-like subjects count.
//   - 99991679 the user has not granted a scope (user tokens only; treated like 99991672).
//   - 99991663/99991664/99991665/99991668 invalid token (fetch a new one and try again),
//     99991400 rate limit (x-ogw-ratelimit-reset), 99991401 IP not on the app's allow-list,
//     99991662/99991673 app disabled or not available.
//   - "these … ids not existed" (the gateway translating ids): 99992351/2/3 open_id, 99992359/60
//     user_id, 99992355/6 chat_id, 99992357/8/79/80 department id, 99992361 open_id of another
//     app, 99992364 user_id of another tenant, 99992381 union_id of another tenant.
//   - Contact: 40004 "no dept authority error" and 41050 "no user authority error" — outside the
//     app's contact range (通讯录权限范围): configuration, not absence. 40014 no parent dept
//     authority, 42009 no user group authority. 40003 means "internal error" for contact v3 (it
//     was "no department authority" in v1), so it is retried. 41012 user id invalid, 40007/40008
//     user_id/open_id not exist, 40052 department id not exist, 41017 department not exist,
//     40002/40157/40161 the root department "0" cannot be read.
//   - UNCONFIRMED: which of these GET /contact/v3/users/:user_id answers for an unknown user.
//     The sandbox answers the gateway's 99992360 (user_id) / 99992351 (open_id). Feishu may well
//     answer 41050 instead for a user it will not show (outside the range, or nonexistent) — in
//     which case an unknown user reads as `permission`, and an operator sees why.
//
// GET /open-apis/contact/v3/users/:user_id
//   https://open.larksuite.com/document/server-docs/contact-v3/user/get.md
//   - Scope: any one of contact:contact.base:readonly, contact:contact:access_as_app,
//     contact:contact:readonly, contact:contact:readonly_as_app. Field permissions (the field is
//     simply left out without them): name/en_name contact:user.base:readonly, department_ids
//     contact:user.department:readonly, user_id contact:user.employee_id:readonly.
//     user_id_type defaults to open_id; department_id_type to open_department_id.
//   - A user outside the contact range: 41050.
//
// GET /open-apis/contact/v3/departments/parent?department_id=…
//   https://open.larkoffice.com/document/uAjLw4CM/ukTMukTMukTM/reference/contact-v3/department/parent.md
//   - Scope: any one of contact:contact.base:readonly, contact:department.organize:readonly,
//     contact:contact:access_as_app, contact:contact:readonly, contact:contact:readonly_as_app.
//   - Ancestors nearest first ("由子部门到父部门"), never the root. With a tenant token ONLY THE
//     ANCESTORS INSIDE THE APP'S CONTACT RANGE are returned: with A > B > C > D and only B in
//     range, D's ancestors are [C, B] — A is silently missing. Routing by an ancestor department
//     therefore needs that department (and its subtree) in the contact range.
//   - UNCONFIRMED: page_size default/maximum (the client sends none and follows page_token).
//
// GET /open-apis/contact/v3/departments/:department_id
//   - UNCONFIRMED (page not read): scope assumed any of contact:contact.base:readonly /
//     contact:department.base:readonly …; the name needs contact:department.base:readonly
//     (listed as the name's field permission on the parent page above). Outside the range: 40004.
//
// Attendance (also FEISHU-NOTES §7)
//   GET /open-apis/attendance/v1/groups/:group_id
//   https://open.feishu.cn/document/server-docs/attendance-v1/group/get
//   - Scope: attendance:rule or attendance:rule:readonly. Errors: 1220001 bad parameter,
//     1220002 tenant missing (token), 1225000 (HTTP 500) internal, 1220600 "通用错误信息" — a
//     catch-all whose messages include the unknown group. UNCONFIRMED: that an unknown group is
//     1220600 (treated as not-found for groups only).
//   POST /open-apis/attendance/v1/user_daily_shifts/query
//   - Scope per FEISHU-NOTES: attendance:rule:readonly (UNCONFIRMED on the page itself). A user
//     without a group is simply absent from user_daily_shifts (the sandbox's behaviour;
//     UNCONFIRMED whether Feishu sends group_id "0" instead — both read as "no group").
//
// Anything not listed: a code Feishu did not document as permanent is retried (never read as
// "no such member"), and the failure keeps code and message for the operator.

export type LookupFailure = {
  ok: false;
  /** permission: the app lacks a scope / contact range — configuration, never retried automatically.
      not-found: the id does not exist, or the bot is not in that chat.
      retry: network, timeout, 5xx, rate limit — try again later. */
  kind: 'permission' | 'not-found' | 'retry';
  code?: number;
  /** The scope this call needs (from Feishu's message when it names one, else the documented one). */
  scope?: string;
  message: string; // includes the call, e.g. "GET /open-apis/im/v1/chats/oc_x/members: code 99991672: ..."
  retryAfterMs?: number;
  /** Every scope Feishu named (any one of them would do). */
  scopes?: string[];
  /** HTTP status of the answer; absent when there was none (network, timeout). */
  httpStatus?: number;
  /** What an operator should change, for permission failures. */
  hint?: string;
};
export type Lookup<T> = { ok: true; value: T } | LookupFailure;
export interface DirectoryUser {
  userId?: string;
  openId?: string;
  name: string;
  enName?: string;
  departmentIds: string[];
}
export interface DirectoryApi {
  /** Every member id of a chat (all pages), as user_ids or open_ids. */
  chatMembers(chatId: string, idType: 'user_id' | 'open_id'): Promise<Lookup<string[]>>;
  /** A user's name and direct departments (open_department_id). */
  user(id: { userId?: string; openId?: string }): Promise<Lookup<DirectoryUser>>;
  /** A department's ancestors, nearest first, not including itself, not including root "0". */
  departmentAncestors(departmentId: string): Promise<Lookup<string[]>>;
  /** A department's name (start-up check that an id in CONFIG_FILE exists). */
  department(departmentId: string): Promise<Lookup<{ name: string }>>;
  /** The attendance group a user_id belongs to on day (yyyyMMdd); null when none. */
  attendanceGroup(userId: string, day: number): Promise<Lookup<string | null>>;
  /** An attendance group's name and zone (start-up check). */
  attendanceGroupInfo(groupId: string): Promise<Lookup<{ name: string; timeZone?: string }>>;
}

export type DirectoryCall = 'chatMembers' | 'user' | 'departmentAncestors' | 'department' | 'attendanceGroup' | 'attendanceGroupInfo';

/** The least scope that lets each call through (see the notes above). */
export const DOCUMENTED_SCOPE: Record<DirectoryCall, string> = {
  chatMembers: 'im:chat.members:read',
  user: 'contact:contact.base:readonly',
  departmentAncestors: 'contact:department.organize:readonly',
  department: 'contact:department.base:readonly',
  attendanceGroup: 'attendance:rule:readonly',
  attendanceGroupInfo: 'attendance:rule:readonly',
};

/** The field permissions whose absence leaves a field out of an otherwise successful answer. */
export const FIELD_SCOPE = {
  memberUserId: 'contact:user.employee_id:readonly',
  userName: 'contact:user.base:readonly',
  userDepartments: 'contact:user.department:readonly',
  departmentName: 'contact:department.base:readonly',
} as const;

const SCOPE_CODES = new Set([99991672, 99991679, 232014]);
const CONTACT_RANGE_CODES = new Set([40004, 41050, 40014, 42009]);
const APP_CODES = new Set([99991401, 99991662, 99991673, 232025, 232033, 232034]);
const NOT_FOUND_CODES = new Set([
  // chats: bot not in the chat, invalid chat_id, dissolved, another tenant's chat
  232011, 232006, 232009, 232010,
  // the gateway's "these … ids not existed" and ids of another app or tenant
  99992351, 99992352, 99992353, 99992355, 99992356, 99992357, 99992358, 99992359, 99992360, 99992361, 99992363,
  99992364, 99992379, 99992380, 99992381,
  // contact: user / open_id / department does not exist, invalid user id, root department
  40007, 40008, 40051, 40052, 41012, 41017, 40002, 40157, 40161,
]);
/** Codes that are not-found for one call only (elsewhere the same number means something else). */
const NOT_FOUND_FOR: Partial<Record<DirectoryCall, ReadonlySet<number>>> = {
  attendanceGroupInfo: new Set([1220600]),
};
/** The token was refused: drop it, fetch a new one, try again. */
export const TOKEN_CODES: ReadonlySet<number> = new Set([99991663, 99991664, 99991665, 99991668, 99991661, 1220002]);

/** A failed answer (or a request that got none), as the client saw it. */
export interface FailedAnswer {
  call: DirectoryCall;
  /** Method and path, e.g. "GET /open-apis/im/v1/chats/oc_x/members". */
  request: string;
  /** Absent when no answer came (network error, timeout). */
  httpStatus?: number;
  code?: number;
  msg?: string;
  /** body.error.permission_violations[].subject, when Feishu sent them. */
  violations?: readonly string[];
  /** x-ogw-ratelimit-reset: seconds until the limit resets. */
  rateLimitResetSeconds?: number;
  /** Why no answer came (describeError of the network error). */
  error?: string;
}

const isScopeName = (s: string) => /^[a-z][\w.-]*(:[\w.-]+)+$/i.test(s);

/**
 * The scopes named in a 99991672 message: the first bracketed list of scope-like names, in
 * whatever language the sentence around it is (`Access denied. One of the following scopes is
 * required: [a, b].`, `应用尚未开通所需的应用身份权限：[a, b]，点击链接…`).
 */
export function scopesInMessage(msg: string | undefined): string[] {
  if (!msg) return [];
  for (const match of msg.matchAll(/[[【]([^\]】]*)[\]】]/g)) {
    const names = match[1]!
      .split(/[,，\s]+/)
      .map((s) => s.trim().replace(/^['"`]|['"`]$/g, ''))
      .filter(isScopeName);
    if (names.length > 0) return [...new Set(names)];
  }
  return [];
}

/** The documented least scope when Feishu's list holds it (any one would do), else Feishu's first. */
function pickScope(named: readonly string[], documented: string): string {
  return named.length === 0 || named.includes(documented) ? documented : named[0]!;
}

function describe(answer: FailedAnswer): string {
  if (answer.httpStatus === undefined && answer.code === undefined) {
    const why = answer.error ?? 'no answer';
    // A NetworkError already names the call ("ECONNREFUSED 127.0.0.1:9000 on GET /open-apis/…").
    const path = answer.request.split(' ')[1] ?? answer.request;
    return why.includes(path) ? why : `${answer.request}: ${why}`;
  }
  const parts = [answer.request];
  if (answer.httpStatus !== undefined && answer.httpStatus !== 200) parts.push(`HTTP ${answer.httpStatus}`);
  if (answer.code !== undefined) parts.push(`code ${answer.code}`);
  if (answer.msg) parts.push(answer.msg);
  return parts.join(': ');
}

/** What a failed lookup means: configuration to fix, an absence, or trouble to wait out. */
export function classifyFailure(answer: FailedAnswer): LookupFailure {
  const message = describe(answer);
  const base = {
    ok: false as const,
    message,
    ...(answer.code !== undefined ? { code: answer.code } : {}),
    ...(answer.httpStatus !== undefined ? { httpStatus: answer.httpStatus } : {}),
  };
  const code = answer.code;

  if (code !== undefined && SCOPE_CODES.has(code)) {
    // Violations are not always scopes ({type: "tenant", subject: "app"} has been seen).
    const named = [...new Set([...scopesInMessage(answer.msg), ...(answer.violations ?? []).filter(isScopeName)])];
    const scope = pickScope(named, DOCUMENTED_SCOPE[answer.call]);
    return {
      ...base,
      kind: 'permission',
      scope,
      ...(named.length > 0 ? { scopes: named } : {}),
      hint: `add the scope ${named.length > 1 ? `${scope} (or one of ${named.join(', ')})` : scope} to the app, publish a version and have it approved`,
    };
  }
  if (code !== undefined && CONTACT_RANGE_CODES.has(code)) {
    return {
      ...base,
      kind: 'permission',
      hint: "the user or department is outside the app's contact range (Permissions → data permissions → 通讯录权限范围): widen it and publish a version",
    };
  }
  if (code !== undefined && APP_CODES.has(code)) {
    return { ...base, kind: 'permission', hint: 'the app itself is not usable here (bot ability, availability, IP allow-list or installation): check the app in the developer console' };
  }
  if (code !== undefined && (NOT_FOUND_CODES.has(code) || NOT_FOUND_FOR[answer.call]?.has(code))) {
    return { ...base, kind: 'not-found' };
  }
  const reset = answer.rateLimitResetSeconds;
  const retryAfterMs = reset !== undefined && Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
  // Rate limits (99991400, 232019, 1000004/5), refused tokens, 5xx, no answer, and every code not
  // documented as permanent.
  return { ...base, kind: 'retry', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** A successful answer that lacks a field only a missing field permission would leave out. */
export function missingField(request: string, what: string, scope: string): LookupFailure {
  return {
    ok: false,
    kind: 'permission',
    scope,
    message: `${request}: the answer has no ${what} (Feishu leaves it out without the field permission ${scope})`,
    hint: `add the scope ${scope} to the app, publish a version and have it approved`,
  };
}
