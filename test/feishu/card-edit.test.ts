// Editing a sent card (FEISHU-NOTES §10): the real client (official SDK, real HTTP) against the
// sandbox Open Platform, and what decide() makes of each refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/delivery/errors.js';
import { createFeishuClient, type SendResult } from '../../src/feishu/client.js';
import { silentLogger } from '../../src/log.js';
import { FEISHU_SEND_LIMITS, startSandbox, type Sandbox, type SandboxLimits } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { tokenThenDrop } from '../support/dropping-server.js';

const DAY_MS = 24 * 60 * 60_000;

/** A card 2.0 as our templates make them: shared (update_multi), so that it can be edited. */
const card = (title: string, config: Record<string, unknown> = { update_multi: true }) =>
  JSON.stringify({ schema: '2.0', config, header: { title: { tag: 'plain_text', content: title } }, body: { elements: [] } });

const clientFor = (baseUrl: string) => createFeishuClient({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret, baseUrl, log: silentLogger });

function failureOf(result: SendResult) {
  if (result.ok) throw new Error(`expected a failure, got message ${result.messageId}`);
  return result;
}

async function startWith(limits: SandboxLimits) {
  const sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret, limits });
  const client = clientFor(sandbox.url);
  let n = 0;
  /** Sends a card, each to a chat of its own (the per-chat limit is not what these tests are about). */
  const send = async (content = card('补卡已通过 · 14:03')) => {
    n++;
    const result = await client.sendCard({ receiveIdType: 'chat_id', receiveId: `oc_team_${n}`, content, uuid: `edit-test-${n}` });
    if (!result.ok) throw new Error(`send failed: ${result.message}`);
    return result.messageId;
  };
  const stored = (messageId: string) => sandbox.messages.find((m) => m.messageId === messageId)!;
  return { sandbox, client, send, stored };
}

describe('editing a sent card', () => {
  // Feishu's per-message limit, but app windows wide enough that this file's pace never meets them.
  let h: Awaited<ReturnType<typeof startWith>>;
  beforeAll(async () => {
    h = await startWith({ ...FEISHU_SEND_LIMITS, appPerSecond: 1000, appPerMinute: 10_000 });
  });
  afterAll(async () => h.sandbox.close());

  it('replaces the card in place: same message id, the new card stored, the old one in the history', async () => {
    const original = card('补卡已通过 · 14:03');
    const messageId = await h.send(original);
    const requestsBefore = h.sandbox.stats.editRequests;
    const revoked = card('已撤销 · 补卡 14:03');

    expect(await h.client.updateCard({ messageId, content: revoked })).toEqual({ ok: true, messageId });

    const [edited] = await h.sandbox.untilEdited(1, 2000);
    expect(edited!.messageId).toBe(messageId);
    expect(h.stored(messageId)).toMatchObject({ content: revoked, edits: 1, editHistory: [original] });
    expect(h.stored(messageId).card).toEqual(JSON.parse(revoked));
    expect(h.sandbox.stats.editRequests).toBe(requestsBefore + 1);
  });

  it('edits a template card (taken as shared) and a message just inside the 14 days', async () => {
    const template = await h.send(JSON.stringify({ type: 'template', data: { template_id: 'AAqk1234', template_variable: {} } }));
    expect(await h.client.updateCard({ messageId: template, content: card('已撤销') })).toEqual({ ok: true, messageId: template });

    const almostOld = await h.send();
    h.sandbox.ageMessage(almostOld, 14 * DAY_MS - 60_000);
    expect(await h.client.updateCard({ messageId: almostOld, content: card('已撤销') })).toEqual({ ok: true, messageId: almostOld });
  });

  it('answers a refused token as a send does: refresh-token, and the next edit gets a new token and succeeds', async () => {
    const messageId = await h.send();
    const tokensBefore = h.sandbox.stats.tokenRequests;
    h.sandbox.revokeTokens();

    const refused = failureOf(await h.client.updateCard({ messageId, content: card('已撤销') }));
    expect(refused).toMatchObject({ code: 99991663, httpStatus: 400 });
    expect(decide(refused).action).toBe('refresh-token');
    expect(h.stored(messageId).edits).toBe(0);

    h.client.invalidateToken(); // what the worker does on refresh-token
    expect(await h.client.updateCard({ messageId, content: card('已撤销') })).toEqual({ ok: true, messageId });
    expect(h.sandbox.stats.tokenRequests).toBe(tokensBefore + 1);
  });

  // Each refusal: the code comes back in the SendResult, decide() gives the delivery up with a
  // reason a person can act on, and the card the recipients see is unchanged.
  const refusals: {
    name: string;
    prepare: (h: Awaited<ReturnType<typeof startWith>>) => Promise<{ messageId: string; content: string }>;
    code: number;
    reason: RegExp;
  }[] = [
    {
      name: 'an unknown message id',
      prepare: async () => ({ messageId: 'om_0123456789abcdef01234567', content: card('已撤销') }),
      code: 230001,
      reason: /message om_0123456789abcdef01234567 does not exist/,
    },
    {
      name: 'a sent card that is not shared',
      prepare: async (h) => ({ messageId: await h.send(card('补卡已通过', {})), content: card('已撤销') }),
      code: 230099,
      reason: /the sent card is not a shared card: config\.update_multi must be true/,
    },
    {
      name: 'a new card that is not shared',
      prepare: async (h) => ({ messageId: await h.send(), content: card('已撤销', { update_multi: false }) }),
      code: 230099,
      reason: /the new card is not a shared card/,
    },
    {
      name: 'a message older than 14 days',
      prepare: async (h) => {
        const messageId = await h.send();
        h.sandbox.ageMessage(messageId, 14 * DAY_MS + 60_000);
        return { messageId, content: card('已撤销') };
      },
      code: 230031,
      reason: /the message is older than 14 days: the card cannot be edited/,
    },
    {
      name: 'a recalled message',
      prepare: async (h) => {
        const messageId = await h.send();
        h.sandbox.recallMessage(messageId);
        return { messageId, content: card('已撤销') };
      },
      code: 230011,
      reason: /the message was recalled: the card cannot be edited/,
    },
    {
      name: 'a deleted message',
      prepare: async (h) => {
        const messageId = await h.send();
        h.sandbox.deleteMessage(messageId);
        return { messageId, content: card('已撤销') };
      },
      code: 230110,
      reason: /the message was deleted: the card cannot be edited/,
    },
    {
      name: 'a new card over 30 KB',
      prepare: async (h) => ({
        messageId: await h.send(),
        content: JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }] } }),
      }),
      code: 230025,
      reason: /the message is too long/,
    },
  ];

  it.each(refusals)('refuses $name with $code, and the delivery is dead with a readable reason', async ({ prepare, code, reason }) => {
    const { messageId, content } = await prepare(h);
    const before = h.sandbox.messages.find((m) => m.messageId === messageId)?.content;

    const failure = failureOf(await h.client.updateCard({ messageId, content }));
    expect(failure).toMatchObject({ code, httpStatus: 400 });
    const decision = decide(failure);
    expect(decision.action).toBe('dead');
    expect(decision.reason).toMatch(new RegExp(`^code ${code}: HTTP 400: `));
    expect(decision.reason).toMatch(reason);

    const message = h.sandbox.messages.find((m) => m.messageId === messageId);
    if (message) expect(message).toMatchObject({ content: before, edits: 0, editHistory: [] });
  });

  it('refuses a sixth edit of one message within a second with 230020 and a reset, a rate-limit retry; other messages still edit', async () => {
    const busy = await h.send();
    const other = await h.send();
    // All six at once, so that they arrive within one second however slow the machine.
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => h.client.updateCard({ messageId: busy, content: card(`第 ${i} 版`) })));

    expect(results.filter((r) => r.ok)).toHaveLength(5);
    const limited = failureOf(results.find((r) => !r.ok)!);
    expect(limited).toMatchObject({ code: 230020, httpStatus: 400, retryAfterMs: 1000 });
    expect(decide(limited)).toMatchObject({ action: 'retry', rateLimited: true, retryAfterMs: 1000 });
    expect(h.stored(busy).edits).toBe(5);

    expect(await h.client.updateCard({ messageId: other, content: card('已撤销') })).toEqual({ ok: true, messageId: other });
  });

  it('fails only edits with an edit fault, and only sends with a fault that names no method', async () => {
    const target = await h.send();
    h.sandbox.fail({ method: 'edit', match: (e) => e.messageId === target, httpStatus: 500, code: 0, msg: 'busy', times: 1 });
    h.sandbox.fail({ httpStatus: 500, code: 0, msg: 'send path down', times: 1 });

    const failed = failureOf(await h.client.updateCard({ messageId: target, content: card('已撤销') }));
    expect(failed).toMatchObject({ httpStatus: 500, message: 'busy' });
    expect(decide(failed).action).toBe('retry');
    // The send fault was left alone by the edit; the next send meets it.
    await expect(h.send()).rejects.toThrow('send path down');
    expect(await h.client.updateCard({ messageId: target, content: card('已撤销') })).toEqual({ ok: true, messageId: target });
  });
});

describe("edits in the app's windows", () => {
  let h: Awaited<ReturnType<typeof startWith>>;
  // A minute window of ten requests: what sends and edits have used up is plain to count.
  beforeAll(async () => {
    h = await startWith({ ...FEISHU_SEND_LIMITS, appPerMinute: 10 });
  });
  afterAll(async () => h.sandbox.close());

  it('counts edits with sends: once they fill the window, edits and sends alike get 429 / 99991400 with its reset', async () => {
    const a = await h.send();
    const b = await h.send();
    for (const messageId of [a, b, a, b, a, b, a, b]) {
      expect((await h.client.updateCard({ messageId, content: card('已撤销') })).ok).toBe(true);
    }

    const edit = failureOf(await h.client.updateCard({ messageId: a, content: card('已撤销') }));
    expect(edit).toMatchObject({ code: 99991400, httpStatus: 429 });
    expect(edit.retryAfterMs).toBeGreaterThan(1000);
    expect(edit.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(decide(edit)).toMatchObject({ action: 'retry', rateLimited: true, retryAfterMs: edit.retryAfterMs });

    const send = failureOf(await h.client.sendCard({ receiveIdType: 'chat_id', receiveId: 'oc_late', content: card('late'), uuid: 'late' }));
    expect(send).toMatchObject({ code: 99991400, httpStatus: 429 });
    expect(h.sandbox.stats.editsApplied).toBe(8);
  });
});

describe('an edit that gets no answer', () => {
  it('fails with the call and the cause, and is retried', async () => {
    // Tokens are handed out; the connection of the edit is dropped before any answer.
    const server = await tokenThenDrop();
    const { port } = server;
    try {
      const result = failureOf(await clientFor(`http://127.0.0.1:${port}`).updateCard({ messageId: 'om_1', content: card('已撤销') }));
      expect(result).toEqual({ ok: false, message: `ECONNRESET 127.0.0.1:${port} (connection closed by the other side) on PATCH /open-apis/im/v1/messages/om_1` });
      expect(decide(result).action).toBe('retry');
    } finally {
      server.close();
    }
  });
});
