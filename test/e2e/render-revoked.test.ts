// Runs once: the revoked goldens (test/cards/revoked-golden.tz.test.ts) cover the process zones.
// `npm run cli -- render --revoked`: the card as it reads once its approval is revoked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaveSeedEvent } from '../../src/sandbox/seed-events.js';
import { runCli } from '../support/bot-process.js';
import { APP } from '../support/harness.js';

describe('npm run cli -- render --revoked', () => {
  it('prints the revoked card of a sample: JSON, then grey, prefixed, noted and struck in each locale', async () => {
    const { code, stdout } = await runCli(['render', '--sample', 'leave', '--audience', 'team', '--revoked'], {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/^── leave\.team · revoked · zone Asia\/Shanghai · \d+ bytes ──\n\{\n  "schema": "2\.0"/);
    expect(stdout).toContain('"template": "grey"');
    expect(stdout).toContain('"update_multi": true');
    expect(stdout).toContain('[zh_cn]\n  已撤销 · 请假已通过 · ');
    expect(stdout).toContain('[en_us]\n  Revoked: Leave approved: ');
    expect(stdout).toContain('\n  **This approval was revoked**; what follows no longer applies.\n');
    expect(stdout).toContain('[ja_jp]\n  取り消し済み · 休暇が承認されました · ');
    expect(stdout).toMatch(/\n {2}~~\*\*Leave type:\*\* .+~~\n/);
  });

  it('prints the revoked card of an event file, each audience', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-'));
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify(leaveSeedEvent({ appId: APP.appId })));
    const { code, stdout } = await runCli(['render', '--event', event, '--revoked', '--locale', 'en_us'], {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/── leave\.employee · revoked · /);
    expect(stdout).toMatch(/── leave\.team · revoked · /);
    expect(stdout.match(/\n {2}\*\*This approval was revoked\*\*/g)).toHaveLength(2);
  });

  it('names --revoked in its usage', async () => {
    const { code, stderr } = await runCli(['render', '--sample', 'vacation'], {});
    expect(code).toBe(2);
    expect(stderr).toContain('[--locale zh_cn|en_us|ja_jp] [--revoked]');
  });
});
