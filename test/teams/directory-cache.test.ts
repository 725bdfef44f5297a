import { describe, expect, it } from 'vitest';
import type { DirectoryApi, Lookup } from '../../src/feishu/directory.js';
import { directoryCache } from '../../src/teams/directory-cache.js';

/** An Open Platform directory that counts the calls made to it and answers what it is told. */
function directory(answer: (chatId: string) => Lookup<string[]> | Promise<Lookup<string[]>>) {
  const calls: string[] = [];
  const api: DirectoryApi = {
    async chatMembers(chatId, idType) {
      calls.push(`${chatId}:${idType}`);
      return answer(chatId);
    },
    async user(id) {
      calls.push(`user:${id.userId ?? id.openId}`);
      return { ok: true, value: { userId: id.userId, name: '张三', departmentIds: ['od-1'] } };
    },
    async departmentAncestors(id) {
      calls.push(`ancestors:${id}`);
      return { ok: true, value: ['od-parent'] };
    },
    department: async () => ({ ok: true, value: { name: 'x' } }),
    async attendanceGroup(userId, day) {
      calls.push(`group:${userId}:${day}`);
      return { ok: true, value: '42' };
    },
    attendanceGroupInfo: async () => ({ ok: true, value: { name: 'x' } }),
  };
  return { api, calls };
}

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('the directory cache', () => {
  it('asks for a chat\'s members once per TTL, for any number of approvals at once', async () => {
    const { api, calls } = directory(() => ({ ok: true, value: ['u_1', 'u_2'] }));
    const time = clock();
    const cache = directoryCache({ api, membersTtlMs: 600_000, orgTtlMs: 86_400_000, now: time.now });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.isMember('oc_a', { userId: `u_${i}` })));
    expect(answers.filter((a) => a.ok && a.value)).toHaveLength(2);
    expect(calls).toEqual(['oc_a:user_id']);
    time.advance(599_999);
    await cache.isMember('oc_a', { userId: 'u_1' });
    expect(calls).toHaveLength(1);
    time.advance(1);
    await cache.isMember('oc_a', { userId: 'u_1' });
    expect(calls).toEqual(['oc_a:user_id', 'oc_a:user_id']);
  });

  it('asks by open_id when the event names the employee only by open_id', async () => {
    const { api, calls } = directory(() => ({ ok: true, value: ['ou_9'] }));
    const cache = directoryCache({ api, membersTtlMs: 1000, orgTtlMs: 1000 });
    expect(await cache.isMember('oc_a', { openId: 'ou_9' })).toEqual({ ok: true, value: true });
    expect(calls).toEqual(['oc_a:open_id']);
  });

  it('forgets a chat when its membership changes, and only that chat', async () => {
    let members = ['u_1'];
    const { api, calls } = directory(() => ({ ok: true, value: members }));
    const cache = directoryCache({ api, membersTtlMs: 600_000, orgTtlMs: 86_400_000 });
    expect(await cache.isMember('oc_a', { userId: 'u_2' })).toEqual({ ok: true, value: false });
    await cache.isMember('oc_b', { userId: 'u_2' });
    members = ['u_1', 'u_2'];
    cache.invalidateChat('oc_a');
    expect(await cache.isMember('oc_a', { userId: 'u_2' })).toEqual({ ok: true, value: true });
    await cache.isMember('oc_b', { userId: 'u_2' });
    expect(calls).toEqual(['oc_a:user_id', 'oc_b:user_id', 'oc_a:user_id']);
  });

  it('does not keep an answer that was on its way when the chat changed', async () => {
    let release!: () => void;
    const { api, calls } = directory(() => new Promise((r) => (release = () => r({ ok: true, value: ['u_1'] }))));
    const cache = directoryCache({ api, membersTtlMs: 600_000, orgTtlMs: 86_400_000 });
    const before = cache.isMember('oc_a', { userId: 'u_1' });
    cache.invalidateChat('oc_a');
    release();
    await before;
    const after = cache.isMember('oc_a', { userId: 'u_1' });
    release();
    await after;
    expect(calls).toHaveLength(2);
  });

  it('asks again after an outage, but keeps a refusal for the TTL so a missing scope costs one call, not one per card', async () => {
    let answer: Lookup<string[]> = { ok: false, kind: 'retry', message: 'HTTP 503' };
    const { api, calls } = directory(() => answer);
    const cache = directoryCache({ api, membersTtlMs: 600_000, orgTtlMs: 86_400_000 });
    await cache.isMember('oc_a', { userId: 'u_1' });
    await cache.isMember('oc_a', { userId: 'u_1' });
    expect(calls).toHaveLength(2);
    answer = { ok: false, kind: 'permission', scope: 'im:chat:readonly', message: 'code 99991672' };
    for (let i = 0; i < 5; i++) expect(await cache.isMember('oc_a', { userId: 'u_1' })).toMatchObject({ ok: false, kind: 'permission' });
    expect(calls).toHaveLength(3);
  });

  it('turns a thrown error into a failure worth retrying', async () => {
    const { api } = directory(() => {
      throw new Error('socket hang up');
    });
    const cache = directoryCache({ api, membersTtlMs: 1000, orgTtlMs: 1000 });
    expect(await cache.members('oc_a', 'user_id')).toEqual({ ok: false, kind: 'retry', message: 'chat members: socket hang up' });
  });

  it('keeps org data for its own, longer TTL, and gives a department with everything above it', async () => {
    const { api, calls } = directory(() => ({ ok: true, value: [] }));
    const time = clock();
    const cache = directoryCache({ api, membersTtlMs: 1000, orgTtlMs: 86_400_000, now: time.now });
    expect(await cache.departmentWithAncestors('od-1')).toEqual({ ok: true, value: ['od-1', 'od-parent'] });
    await cache.user({ userId: 'u_1' });
    time.advance(3_600_000);
    await cache.departmentWithAncestors('od-1');
    await cache.user({ userId: 'u_1' });
    expect(calls).toEqual(['ancestors:od-1', 'user:u_1']);
  });
});
