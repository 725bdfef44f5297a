// Directory lookups: the real client (official SDK, real HTTP) against the sandbox Open Platform,
// and the one pure function that says what a failure means.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFeishuClient } from '../../src/feishu/client.js';
import { classifyFailure, scopesInMessage, type LookupFailure } from '../../src/feishu/directory.js';
import { silentLogger } from '../../src/log.js';
import { startSandbox, type Sandbox, type SandboxDirectory } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';

const MEMBERS_REQUEST = 'GET /open-apis/im/v1/chats/oc_x/members';

describe('what a failed lookup means', () => {
  const fail = (code: number | undefined, extra: Partial<Parameters<typeof classifyFailure>[0]> = {}) =>
    classifyFailure({ call: 'chatMembers', request: MEMBERS_REQUEST, httpStatus: 400, code, ...extra });

  it("reads a missing scope from Feishu's message, English part first, and prefers the least one it names", () => {
    const msg =
      'Access denied. One of the following scopes is required: [im:chat, im:chat.group_info:readonly, im:chat.members:read, im:chat:readonly].' +
      '应用尚未开通所需的应用身份权限：[im:chat, im:chat.group_info:readonly, im:chat.members:read, im:chat:readonly]，点击链接申请并开通任一权限即可：' +
      'https://open.feishu.cn/app/cli_x/auth?q=im:chat,im:chat:readonly&op_from=openapi&token_type=tenant';
    const failure = fail(99991672, { msg });
    expect(failure).toMatchObject({
      kind: 'permission',
      code: 99991672,
      scope: 'im:chat.members:read',
      scopes: ['im:chat', 'im:chat.group_info:readonly', 'im:chat.members:read', 'im:chat:readonly'],
      httpStatus: 400,
    });
    expect(failure.message).toBe(`${MEMBERS_REQUEST}: HTTP 400: code 99991672: ${msg}`);
    expect(failure.hint).toContain('im:chat.members:read');
  });

  it("takes Feishu's first scope when the documented one is not among those it names", () => {
    const failure = classifyFailure({
      call: 'user',
      request: 'GET /open-apis/contact/v3/users/u1',
      httpStatus: 400,
      code: 99991672,
      msg: '应用尚未开通所需的应用身份权限：[contact:user.employee_id:readonly]，点击链接申请并开通任一权限即可：https://open.feishu.cn/app/cli_x/auth',
    });
    expect(failure).toMatchObject({ kind: 'permission', scope: 'contact:user.employee_id:readonly', scopes: ['contact:user.employee_id:readonly'] });
  });

  it('falls back to the documented scope, and to scope-like permission violations only', () => {
    expect(fail(99991672, { msg: 'Access denied' })).toMatchObject({ kind: 'permission', scope: 'im:chat.members:read' });
    expect(fail(99991672, { msg: 'Access denied', violations: ['app', 'im:chat:readonly'] })).toMatchObject({
      scope: 'im:chat:readonly',
      scopes: ['im:chat:readonly'],
    });
    for (const call of ['departmentAncestors', 'department', 'attendanceGroup', 'attendanceGroupInfo'] as const) {
      expect(classifyFailure({ call, request: 'X /x', httpStatus: 400, code: 99991672 }).scope).toMatch(/^(contact|attendance):/);
    }
  });

  it.each([
    [40004, 'no dept authority'],
    [41050, 'no user authority'],
    [40014, 'no parent dept authority'],
    [232025, 'bot ability off'],
    [232034, 'app not installed in the tenant'],
    [99991401, 'IP not allowed'],
  ])('reads %i (%s) as configuration, not absence', (code) => {
    const failure = fail(code);
    expect(failure.kind).toBe('permission');
    expect(failure.hint).toBeTruthy();
  });

  it.each([
    [232011, 'bot not in the chat'],
    [232006, 'invalid chat_id'],
    [232009, 'chat dissolved'],
    [99992360, 'user_id not existed'],
    [99992351, 'open_id not existed'],
    [99992361, 'open_id of another app'],
    [99992357, 'open_department_id not existed'],
    [41012, 'invalid user id'],
    [41017, 'department not exist'],
  ])('reads %i (%s) as not-found', (code) => {
    expect(fail(code).kind).toBe('not-found');
  });

  it('reads 1220600 as an unknown group for group lookups only (elsewhere it is a catch-all)', () => {
    expect(classifyFailure({ call: 'attendanceGroupInfo', request: 'GET /g', httpStatus: 400, code: 1220600 }).kind).toBe('not-found');
    expect(classifyFailure({ call: 'attendanceGroup', request: 'POST /q', httpStatus: 400, code: 1220600 }).kind).toBe('retry');
  });

  it('retries rate limits after the reset Feishu names, 5xx, refused tokens, contact v3 40003 and unknown codes', () => {
    expect(fail(99991400, { httpStatus: 429, rateLimitResetSeconds: 3 })).toMatchObject({ kind: 'retry', retryAfterMs: 3000 });
    expect(fail(232019)).toMatchObject({ kind: 'retry' });
    expect(fail(undefined, { httpStatus: 502 })).toMatchObject({ kind: 'retry', httpStatus: 502, message: `${MEMBERS_REQUEST}: HTTP 502` });
    expect(fail(99991663).kind).toBe('retry');
    expect(fail(40003).kind).toBe('retry');
    expect(fail(1234567).kind).toBe('retry');
  });

  it('retries a request that got no answer, naming the call once', () => {
    const cause = `ECONNREFUSED 127.0.0.1:9 on ${MEMBERS_REQUEST}`;
    expect(classifyFailure({ call: 'chatMembers', request: MEMBERS_REQUEST, error: cause })).toEqual({ ok: false, kind: 'retry', message: cause });
    expect(classifyFailure({ call: 'chatMembers', request: MEMBERS_REQUEST, error: 'TimeoutError: aborted' }).message).toBe(
      `${MEMBERS_REQUEST}: TimeoutError: aborted`,
    );
  });

  it('finds scope lists in either bracket style and ignores bracketed text that holds no scopes', () => {
    expect(scopesInMessage('see [the docs] then: [a:b, c:d:e]')).toEqual(['a:b', 'c:d:e']);
    expect(scopesInMessage('需要权限【contact:user.base:readonly，contact:contact:readonly】')).toEqual(['contact:user.base:readonly', 'contact:contact:readonly']);
    expect(scopesInMessage('[drive:drive,drive:drive:readonly]')).toEqual(['drive:drive', 'drive:drive:readonly']);
    expect(scopesInMessage(undefined)).toEqual([]);
  });
});

// An org of three levels under the root, and users in it.
const ORG: SandboxDirectory = {
  departments: {
    'od-company': { name: 'Company' },
    'od-eng': { name: 'Engineering', parent: 'od-company' },
    'od-platform': { name: 'Platform', parent: 'od-eng' },
  },
  users: {
    u_ana: { openId: 'ou_ana', name: '安娜', enName: 'Ana', departments: ['od-platform'] },
    u_bo: { openId: 'ou_bo', name: 'Bo', departments: ['od-eng', 'od-company'] },
  },
  chats: {
    oc_team: { members: ['u_ana', 'u_bo'] },
    oc_outside: { members: ['u_ana'], botIsMember: false },
  },
};

describe('directory lookups through the SDK against the sandbox', () => {
  let sandbox: Sandbox;
  const client = (timeoutMs?: number) =>
    createFeishuClient({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret, baseUrl: sandbox.url, log: silentLogger, timeoutMs });
  let feishu: ReturnType<typeof client>;

  beforeAll(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
    feishu = client();
  });
  afterAll(async () => sandbox.close());
  afterEach(() => {
    sandbox.setDirectoryFault('all', undefined);
    for (const api of ['chatMembers', 'user', 'department', 'attendance'] as const) sandbox.setDirectoryFault(api, undefined);
    sandbox.setDirectory(ORG);
  });
  const notOk = (result: { ok: boolean }): LookupFailure => {
    if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
    return result as LookupFailure;
  };

  describe('chat members', () => {
    it('follows every page: 250 members come in pages of 100, 100 and 50', async () => {
      const members = Array.from({ length: 250 }, (_, i) => `u_${String(i).padStart(3, '0')}`);
      sandbox.setDirectory({ ...ORG, chats: { oc_big: { members } } });
      const before = sandbox.directoryStats.byChat.oc_big ?? 0;
      expect(await feishu.chatMembers('oc_big', 'user_id')).toEqual({ ok: true, value: members });
      expect((sandbox.directoryStats.byChat.oc_big ?? 0) - before).toBe(3);
    });

    it('answers open_ids or user_ids as asked', async () => {
      expect(await feishu.chatMembers('oc_team', 'open_id')).toEqual({ ok: true, value: ['ou_ana', 'ou_bo'] });
      expect(await feishu.chatMembers('oc_team', 'user_id')).toEqual({ ok: true, value: ['u_ana', 'u_bo'] });
    });

    it('sees membership change between lookups (nothing is cached in the client)', async () => {
      sandbox.addChatMember('oc_team', 'u_cy');
      sandbox.removeChatMember('oc_team', 'u_ana');
      expect(await feishu.chatMembers('oc_team', 'user_id')).toEqual({ ok: true, value: ['u_bo', 'u_cy'] });
    });

    it('says not-found, with the code and the call, when the bot is not in the chat or the chat is unknown', async () => {
      expect(notOk(await feishu.chatMembers('oc_outside', 'user_id'))).toMatchObject({
        kind: 'not-found',
        code: 232011,
        message: 'GET /open-apis/im/v1/chats/oc_outside/members: HTTP 400: code 232011: Operator can NOT be out of the chat.',
      });
      expect(notOk(await feishu.chatMembers('oc_nowhere', 'open_id'))).toMatchObject({ kind: 'not-found', code: 232006 });
      sandbox.setBotInChat('oc_outside', true);
      expect(await feishu.chatMembers('oc_outside', 'user_id')).toEqual({ ok: true, value: ['u_ana'] });
    });

    it('says which scope is missing when the app may not read members', async () => {
      sandbox.setDirectoryFault('chatMembers', { mode: 'permission' });
      expect(notOk(await feishu.chatMembers('oc_team', 'user_id'))).toMatchObject({
        kind: 'permission',
        code: 99991672,
        scope: 'im:chat.members:read',
        scopes: ['im:chat', 'im:chat.group_info:readonly', 'im:chat.members:read', 'im:chat:readonly'],
      });
      // Only that API refuses.
      expect((await feishu.user({ userId: 'u_ana' })).ok).toBe(true);
    });
  });

  describe('users and departments', () => {
    it("finds a user by user_id or by open_id, with names and direct departments", async () => {
      const ana = { userId: 'u_ana', openId: 'ou_ana', name: '安娜', enName: 'Ana', departmentIds: ['od-platform'] };
      expect(await feishu.user({ userId: 'u_ana' })).toEqual({ ok: true, value: ana });
      expect(await feishu.user({ openId: 'ou_ana' })).toEqual({ ok: true, value: ana });
      expect(await feishu.user({ userId: 'u_bo', openId: 'ou_ignored' })).toEqual({
        ok: true,
        value: { userId: 'u_bo', openId: 'ou_bo', name: 'Bo', departmentIds: ['od-eng', 'od-company'] },
      });
    });

    it('says not-found for unknown users, by either id', async () => {
      expect(notOk(await feishu.user({ userId: 'u_ghost' }))).toMatchObject({ kind: 'not-found', code: 99992360 });
      expect(notOk(await feishu.user({ openId: 'ou_ghost' }))).toMatchObject({ kind: 'not-found', code: 99992351 });
      expect(notOk(await feishu.user({}))).toMatchObject({ kind: 'not-found' });
    });

    it('lists ancestors nearest first, without the department itself or the root', async () => {
      expect(await feishu.departmentAncestors('od-platform')).toEqual({ ok: true, value: ['od-eng', 'od-company'] });
      expect(await feishu.departmentAncestors('od-company')).toEqual({ ok: true, value: [] });
      expect(await feishu.departmentAncestors('0')).toEqual({ ok: true, value: [] });
    });

    it('follows page tokens through a deep hierarchy (the default page holds 10)', async () => {
      const departments: NonNullable<SandboxDirectory['departments']> = {};
      for (let level = 0; level < 25; level++) departments[`od-${level}`] = { name: `Level ${level}`, ...(level > 0 ? { parent: `od-${level - 1}` } : {}) };
      sandbox.setDirectory({ departments });
      const before = sandbox.directoryStats.department;
      const expected = Array.from({ length: 24 }, (_, i) => `od-${23 - i}`);
      expect(await feishu.departmentAncestors('od-24')).toEqual({ ok: true, value: expected });
      expect(sandbox.directoryStats.department - before).toBe(3);
    });

    it("names a department, and says not-found for one that does not exist", async () => {
      expect(await feishu.department('od-eng')).toEqual({ ok: true, value: { name: 'Engineering' } });
      expect(notOk(await feishu.department('od-gone'))).toMatchObject({ kind: 'not-found', code: 99992357 });
      expect(notOk(await feishu.departmentAncestors('od-gone'))).toMatchObject({ kind: 'not-found', code: 99992357 });
    });

    it('says which scope the contact calls need when refused', async () => {
      sandbox.setDirectoryFault('user', { mode: 'permission' });
      sandbox.setDirectoryFault('department', { mode: 'permission' });
      expect(notOk(await feishu.user({ userId: 'u_ana' }))).toMatchObject({ kind: 'permission', scope: 'contact:contact.base:readonly' });
      expect(notOk(await feishu.departmentAncestors('od-platform'))).toMatchObject({ kind: 'permission', scope: 'contact:department.organize:readonly' });
      expect(notOk(await feishu.department('od-eng'))).toMatchObject({ kind: 'permission', scope: 'contact:department.base:readonly' });
    });

    it("reads a contact-range refusal as configuration", async () => {
      sandbox.setDirectoryFault('user', { mode: 'error', code: 41050, msg: 'no user authority error', status: 403 });
      expect(notOk(await feishu.user({ userId: 'u_ana' }))).toMatchObject({ kind: 'permission', code: 41050, httpStatus: 403 });
    });
  });

  describe('attendance groups', () => {
    beforeAll(() => {
      sandbox.setAttendance({ users: { u_ana: 'g_tokyo' }, groups: { g_tokyo: 'Asia/Tokyo', g_plain: 'Europe/Berlin' }, groupNames: { g_tokyo: 'Tokyo office' } });
    });

    it("answers a user's group for a day, or null without one", async () => {
      expect(await feishu.attendanceGroup('u_ana', 20261121)).toEqual({ ok: true, value: 'g_tokyo' });
      expect(await feishu.attendanceGroup('u_bo', 20261121)).toEqual({ ok: true, value: null });
    });

    it("names a group and its zone; an unknown group is not-found", async () => {
      expect(await feishu.attendanceGroupInfo('g_tokyo')).toEqual({ ok: true, value: { name: 'Tokyo office', timeZone: 'Asia/Tokyo' } });
      expect(await feishu.attendanceGroupInfo('g_plain')).toEqual({ ok: true, value: { name: 'Group g_plain', timeZone: 'Europe/Berlin' } });
      expect(notOk(await feishu.attendanceGroupInfo('g_gone'))).toMatchObject({ kind: 'not-found', code: 1220600 });
    });

    it('says which scope attendance needs when refused, and leaves attendanceZone working as before', async () => {
      sandbox.setDirectoryFault('attendance', { mode: 'permission' });
      expect(notOk(await feishu.attendanceGroup('u_ana', 20261121))).toMatchObject({ kind: 'permission', scope: 'attendance:rule:readonly' });
      expect(await feishu.attendanceZone('u_ana', 20261121)).toMatchObject({ error: expect.stringContaining('99991672') });
      sandbox.setDirectoryFault('attendance', undefined);
      expect(await feishu.attendanceZone('u_ana', 20261121)).toEqual({ zone: 'Asia/Tokyo' });
    });
  });

  describe('trouble that passes', () => {
    it('retries a 5xx, and a rate limit after the reset Feishu names', async () => {
      sandbox.setDirectoryFault('all', { mode: 'error', status: 503 });
      expect(notOk(await feishu.chatMembers('oc_team', 'user_id'))).toMatchObject({ kind: 'retry', httpStatus: 503 });
      expect(notOk(await feishu.attendanceGroupInfo('g_tokyo'))).toMatchObject({ kind: 'retry', httpStatus: 503 });
      sandbox.setDirectoryFault('all', {
        mode: 'error',
        status: 429,
        code: 99991400,
        msg: 'request trigger frequency limit',
        headers: { 'x-ogw-ratelimit-reset': '2' },
      });
      expect(notOk(await feishu.department('od-eng'))).toMatchObject({ kind: 'retry', code: 99991400, retryAfterMs: 2000 });
    });

    it('retries a lookup that hangs past the client timeout, naming the call', async () => {
      const impatient = client(200);
      sandbox.setDirectoryFault('user', { mode: 'hang', ms: 1500 });
      const started = Date.now();
      const failure = notOk(await impatient.user({ userId: 'u_ana' }));
      expect(Date.now() - started).toBeLessThan(1200);
      expect(failure.kind).toBe('retry');
      expect(failure.httpStatus).toBeUndefined();
      expect(failure.message).toContain('GET /open-apis/contact/v3/users/u_ana');
    });

    it('drops a token Feishu no longer accepts, so the next lookup works', async () => {
      const own = client();
      expect((await own.department('od-eng')).ok).toBe(true);
      sandbox.revokeTokens();
      expect(notOk(await own.department('od-eng'))).toMatchObject({ kind: 'retry', code: 99991663 });
      expect(await own.department('od-eng')).toEqual({ ok: true, value: { name: 'Engineering' } });
    });

    it('retries when Feishu cannot be reached at all', async () => {
      const unreachable = createFeishuClient({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret, baseUrl: 'http://127.0.0.1:9', log: silentLogger });
      const failure = notOk(await unreachable.chatMembers('oc_team', 'user_id'));
      expect(failure.kind).toBe('retry');
      // The token is fetched first, so that is the call named.
      expect(failure.message).toContain('/open-apis/auth/v3/tenant_access_token/internal');
    });
  });

  describe('the sandbox itself', () => {
    let token: string;
    beforeAll(async () => {
      const answer = await fetch(`${sandbox.url}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: 'POST',
        body: JSON.stringify({ app_id: SANDBOX_APP.appId, app_secret: SANDBOX_APP.appSecret }),
      });
      token = ((await answer.json()) as { tenant_access_token: string }).tenant_access_token;
    });
    const get = async (path: string, auth = `Bearer ${token}`) => {
      const response = await fetch(`${sandbox.url}${path}`, { headers: { authorization: auth } });
      return { status: response.status, body: (await response.json()) as { code: number; msg: string; data?: Record<string, unknown> } };
    };

    it('requires a valid tenant token on every directory API', async () => {
      for (const path of [
        '/open-apis/im/v1/chats/oc_team/members',
        '/open-apis/contact/v3/users/u_ana?user_id_type=user_id',
        '/open-apis/contact/v3/departments/parent?department_id=od-eng',
        '/open-apis/contact/v3/departments/od-eng',
      ]) {
        expect(await get(path, 'Bearer t-forged')).toMatchObject({ status: 400, body: { code: 99991663 } });
      }
    });

    it('pages members 20 at a time by default, refuses a page over 100, and counts the total', async () => {
      sandbox.setDirectory({ chats: { oc_mid: { members: Array.from({ length: 30 }, (_, i) => `u${i}`) } } });
      const first = await get('/open-apis/im/v1/chats/oc_mid/members?member_id_type=user_id');
      expect(first.body.data).toMatchObject({ has_more: true, member_total: 30 });
      expect(first.body.data!.items).toHaveLength(20);
      expect((first.body.data!.items as unknown[])[0]).toEqual({ member_id_type: 'user_id', member_id: 'u0', name: 'u0', tenant_key: 'sandbox_tenant' });
      const second = await get(`/open-apis/im/v1/chats/oc_mid/members?member_id_type=user_id&page_token=${first.body.data!.page_token}`);
      expect(second.body.data).toMatchObject({ has_more: false, member_total: 30 });
      expect(second.body.data!.items).toHaveLength(10);
      expect((await get('/open-apis/im/v1/chats/oc_mid/members?page_size=101')).body.code).toBe(232001);
      expect((await get('/open-apis/im/v1/chats/oc_mid/members?page_token=forged')).body.code).toBe(232001);
    });

    it('names the scopes in a permission refusal as Feishu does', async () => {
      sandbox.setDirectoryFault('all', { mode: 'permission' });
      const { status, body } = await get('/open-apis/contact/v3/departments/od-eng');
      expect(status).toBe(400);
      expect(body.code).toBe(99991672);
      expect(body.msg).toMatch(/^Access denied\. One of the following scopes is required: \[contact:contact\.base:readonly, .*\]\.应用尚未开通/);
    });
  });
});
