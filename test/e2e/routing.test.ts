// CONFIG_FILE routing, end to end: approval_code routes and a kind switched off for a chat.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { APP, eventually, startHarness, type Harness } from '../support/harness.js';

describe('routing from CONFIG_FILE', () => {
  let h: Harness;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'routing-')), 'bot.json');
    writeFileSync(
      file,
      JSON.stringify({
        routes: { 'SHIFT-APPROVAL': ['oc_shift_desk', 'oc_quiet'] },
        chats: { oc_quiet: { shift: false }, oc_everyone: { remedy: false } },
      }),
    );
    h = await startHarness({ env: { NOTIFY_CHAT_IDS: 'oc_managers,oc_everyone', TEAM_ROUTING: 'all', CONFIG_FILE: file } });
  });
  afterAll(async () => h.close());

  it('sends a 换班 of a routed approval to the routed chats, less those that switched 换班 off', async () => {
    await h.push(shiftSeedEvent({ appId: APP.appId, token: APP.verificationToken }, { approval_code: 'SHIFT-APPROVAL', instance_code: 'S-1' }));
    await h.push(remedySeedEvent({ appId: APP.appId, token: APP.verificationToken }));
    await eventually(async () => (await h.bot.store.deliveries({ status: 'sent' })).length === 4, 'four cards');
    const to = h.sandbox.messages.map((m) => m.receiveId).sort();
    // 换班: employee + oc_shift_desk (oc_quiet is off); 补卡: employee + oc_managers (oc_everyone is off)
    expect(to).toEqual(['g12xxxxg', 'oc_managers', 'oc_shift_desk', 'ou_xxx']);
  });
});
