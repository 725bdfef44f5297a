// The sandbox behaves like Feishu where the bot depends on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/open-platform.js';

describe('sandbox Open Platform', () => {
  let sandbox: Sandbox;
  let token: string;
  const card = JSON.stringify({ schema: '2.0', header: {}, body: { elements: [] } });
  const send = (body: Record<string, unknown>, type = 'chat_id', auth = `Bearer ${token}`) =>
    fetch(`${sandbox.url}/open-apis/im/v1/messages?receive_id_type=${type}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ receive_id: 'oc_x', msg_type: 'interactive', content: card, ...body }),
    });

  beforeAll(async () => {
    sandbox = await startSandbox({ appId: 'cli_1', appSecret: 's' });
    const response = await fetch(`${sandbox.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      body: JSON.stringify({ app_id: 'cli_1', app_secret: 's' }),
    });
    const body = await response.json();
    expect(body).toMatchObject({ code: 0, expire: 7200 });
    token = body.tenant_access_token;
  });
  afterAll(async () => sandbox.close());

  it('refuses a wrong app secret with a business code', async () => {
    const response = await fetch(`${sandbox.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      body: JSON.stringify({ app_id: 'cli_1', app_secret: 'wrong' }),
    });
    expect(await response.json()).toEqual({ code: 10014, msg: 'app secret invalid' });
  });

  it('refuses a send without a valid token with 99991663', async () => {
    const response = await send({}, 'chat_id', 'Bearer t-forged');
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe(99991663);
  });

  it('answers the same uuid within the hour with the first message, and records nothing new', async () => {
    const before = sandbox.messages.length;
    const first = await (await send({ uuid: 'same-uuid' })).json();
    const second = await (await send({ uuid: 'same-uuid' })).json();
    expect(first.code).toBe(0);
    expect(second.data.message_id).toBe(first.data.message_id);
    expect(sandbox.messages.length).toBe(before + 1);
    expect(sandbox.stats.resendsAbsorbed).toBe(1);
  });

  it('refuses content over 30 KB with 230025 and a card that is not card 2.0 with 230099', async () => {
    const big = JSON.stringify({ schema: '2.0', body: { elements: [{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }] } });
    expect((await (await send({ content: big })).json()).code).toBe(230025);
    expect((await (await send({ content: JSON.stringify({ schema: '2.0', $if: 'x' }) })).json()).code).toBe(230099);
    expect((await (await send({ content: '{' })).json()).code).toBe(230099);
    expect((await (await send({}, 'phone')).json()).code).toBe(230001);
  });

  it('answers with error codes on demand, for matching recipients and a number of times', async () => {
    sandbox.fail({ match: (s) => s.receiveId === 'oc_gone', code: 232009, msg: 'chat dissolved', times: 1 });
    const failed = await send({ receive_id: 'oc_gone' });
    expect(failed.status).toBe(400);
    expect(await failed.json()).toEqual({ code: 232009, msg: 'chat dissolved' });
    expect((await (await send({ receive_id: 'oc_gone' })).json()).code).toBe(0);
  });

  describe('editing a sent card (PATCH /open-apis/im/v1/messages/:message_id)', () => {
    const shared = (title: string) => JSON.stringify({ schema: '2.0', config: { update_multi: true }, header: { title: { tag: 'plain_text', content: title } }, body: { elements: [] } });
    const edit = (messageId: string, body: unknown, auth = `Bearer ${token}`) =>
      fetch(`${sandbox.url}/open-apis/im/v1/messages/${messageId}`, {
        method: 'PATCH',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const sendShared = async (receiveId: string) => (await (await send({ receive_id: receiveId, content: shared('v1') })).json()).data.message_id as string;

    it("answers like Feishu, { code: 0, msg: 'success', data: {} }, and wakes untilEdited", async () => {
      const messageId = await sendShared('oc_edit_1');
      const edited = sandbox.untilEdited(sandbox.stats.editsApplied + 1, 2000);
      const response = await edit(messageId, { content: shared('v2') });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ code: 0, msg: 'success', data: {} });
      expect((await edited).map((m) => m.messageId)).toContain(messageId);
    });

    it('refuses an edit without a valid token with 99991663, and one without content with 230001', async () => {
      const messageId = await sendShared('oc_edit_2');
      const forged = await edit(messageId, { content: shared('v2') }, 'Bearer t-forged');
      expect(forged.status).toBe(400);
      expect((await forged.json()).code).toBe(99991663);
      expect((await (await edit(messageId, {})).json()).code).toBe(230001);
      expect((await (await edit(messageId, { content: { schema: '2.0' } })).json()).code).toBe(230001);
      expect(sandbox.messages.find((m) => m.messageId === messageId)!.edits).toBe(0);
    });

    it('counts every edit request, refused or not', async () => {
      const before = sandbox.stats.editRequests;
      await edit('om_unknown', { content: shared('v2') });
      await edit('om_unknown', {}, 'Bearer t-forged');
      expect(sandbox.stats.editRequests).toBe(before + 2);
    });

    it('rejects untilEdited after its timeout, saying how far it got', async () => {
      await expect(sandbox.untilEdited(sandbox.stats.editsApplied + 1, 50)).rejects.toThrow(/edits after 50 ms/);
    });
  });
});
