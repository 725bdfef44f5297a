// Admins' wording and the card builder, end to end; and the render command.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { runCli, spawnBot } from '../support/bot-process.js';
import { APP, cardText, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('templates admins can change', () => {
  it('sends cards from TEMPLATES_DIR for the files it holds, built-in ones for the rest', async () => {
    const custom = {
      schema: '2.0',
      header: { template: 'purple', title: { tag: 'plain_text', content: 'ACME 补卡 {{time}}' } },
      body: { elements: [{ tag: 'markdown', content: 'ACME: {{datetime}} · {{instance_code}} · {{reason}}' }] },
    };
    const file = tempFile('remedy.team.json', JSON.stringify(custom));
    h = await startHarness({ env: { TEMPLATES_DIR: join(file, '..') } });
    await h.push(remedySeedEvent(identity, { remedy_reason: '**x**' }));
    const messages = await h.sandbox.waitForMessages(2);
    const team = messages.find((m) => m.receiveIdType === 'chat_id')!;
    expect(cardText(team.card)).toBe('  ACME 补卡 17:23\n  ACME: 2022-08-24 17:23 (GMT+8) · FC2CB9B2-966F-4B65-AC7E-B21E04F497CB · **x**');
    expect(team.content).toContain('&#42;&#42;x&#42;&#42;'); // escaped like the built-in ones
    const dm = messages.find((m) => m.receiveIdType === 'user_id')!;
    expect(cardText(dm.card)).toContain('补卡 approved for 17:23');
  });

  it('sends a card-builder template with the same variables, escaped the same way', async () => {
    const config = tempFile('bot.json', JSON.stringify({ card_templates: { 'shift.team': { template_id: 'AAqk1234', template_version_name: '1.0.2' } } }));
    h = await startHarness({ env: { CONFIG_FILE: config } });
    await h.push(shiftSeedEvent(identity, { shift_reason: '<at id=all></at>' }));
    const messages = await h.sandbox.waitForMessages(2);
    const team = messages.find((m) => m.receiveIdType === 'chat_id')!;
    expect(team.card).toMatchObject({
      type: 'template',
      data: {
        template_id: 'AAqk1234',
        template_version_name: '1.0.2',
        template_variable: {
          dates: '12-01 ↔ 12-02',
          shift_datetime: '2018-12-01 12:00 (GMT+8)',
          reason: '&#60;at id&#61;all&#62;&#60;&#47;at&#62;',
          instance_code: '99E91302&#45;17F7&#45;4FE2&#45;1234&#45;F4E73Axxx',
        },
      },
    });
    expect(messages.find((m) => m.receiveIdType === 'open_id')!.card).toHaveProperty('schema', '2.0'); // others stay built-in
  });

  it('stops npm start with the file, the place and the problem of a broken template', async () => {
    const file = tempFile('shift.employee.json', JSON.stringify({ schema: '2.0', header: {}, body: { elements: [{ tag: 'markdown', content: '{{time}}' }] } }));
    const bot = spawnBot({ FEISHU_APP_ID: APP.appId, FEISHU_APP_SECRET: APP.appSecret, PORT: '0', DATABASE_URL: `file:${join(file, '..', 'db.sqlite')}`, TEMPLATES_DIR: join(file, '..') });
    expect(await bot.exited).toBe(1);
    expect(bot.output.stderr).toBe(`template ${file}: $.body.elements[0].content: unknown variable {{time}}; known: dates, shift_datetime, return_datetime, team_shift_datetime, team_return_datetime, zone, team_zone, reason, instance_code, employee_id, employee_name, pc_url, mobile_url\n`);
  });
});

describe('npm run cli -- render', () => {
  it('prints the card JSON and how it reads, for a sample, a zone and a locale', async () => {
    const { code, stdout } = await runCli(['render', '--sample', 'remedy', '--audience', 'team', '--zone', 'Asia/Tokyo', '--team-zone', 'Asia/Shanghai', '--locale', 'en_us'], {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/^── remedy\.team · zone Asia\/Tokyo · team zone Asia\/Shanghai · \d+ bytes ──\n\{\n  "schema": "2\.0"/);
    expect(stdout).toContain('[en_us]\n  补卡 approved for 18:23\n');
    expect(stdout).toContain('  **In Asia/Shanghai:** 2022-08-24 17:23 (GMT+8)');
  });

  it.each([
    ['leave', '  Leave approved: 09-05 00:00 → 09-07 00:00', '  **Leave type:** Personal leave'],
    ['out', '  Out of office approved: 05-15 15:00 → 18:00', '  **Duration:** 3 hours'],
    ['overtime', '  Overtime approved: 12-01 12:00 → 12-02 12:00', '  **Duration:** 2 hours'],
    ['trip', '  Business trip approved: 08-25 12:00 → 09-01 00:00', '  • 中国/北京市/北京市/朝阳区 → 美国 · 2022-08-25 12:00 → 2022-09-01 00:00 (GMT+8) · 飞机 · 往返'],
  ])('renders the %s sample', async (kind, title, line) => {
    const { code, stdout } = await runCli(['render', '--sample', kind, '--audience', 'employee', '--locale', 'en_us'], {});
    expect(code).toBe(0);
    expect(stdout).toContain(`── ${kind}.employee · zone Asia/Shanghai · `);
    expect(stdout).toContain(`[en_us]\n${title}\n`);
    expect(stdout).toContain(`${line}\n`);
  });

  it('names the kinds it has samples of', async () => {
    const { code, stderr } = await runCli(['render', '--sample', 'vacation'], {});
    expect(code).toBe(2);
    expect(stderr).toMatch(/^--sample must be one of remedy, shift, leave, out, overtime, trip/);
  });

  it('renders an event file with a template directory', async () => {
    const event = tempFile('event.json', JSON.stringify(shiftSeedEvent({ appId: APP.appId }, { return_time: '' })));
    const templates = tempFile('shift.employee.json', JSON.stringify({ schema: '2.0', header: { title: { tag: 'plain_text', content: 'Swap {{dates}}' } }, body: { elements: [{ tag: 'markdown', content: '{{shift_datetime}} {{instance_code}}' }] } }));
    const { code, stdout } = await runCli(['render', '--event', event, '--templates', join(templates, '..'), '--audience', 'employee', '--locale', 'zh_cn'], {});
    expect(code).toBe(0);
    expect(stdout).toContain('[zh_cn]\n  Swap 12-01\n  2018-12-01 12:00 (GMT+8) 99E91302-17F7-4FE2-1234-F4E73Axxx\n');
  });

  it('explains an event it cannot render', async () => {
    const event = tempFile('event.json', JSON.stringify(shiftSeedEvent({ appId: APP.appId }, { shift_time: 'noon' })));
    const { code, stderr } = await runCli(['render', '--event', event], {});
    expect(code).toBe(2);
    expect(stderr).toContain('the event would be rejected: shift_time "noon" is not a time');
  });
});
