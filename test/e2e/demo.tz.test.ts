// The README's first command must keep working: npm run demo exits 0 and shows all four cards.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run demo', () => {
  it('posts both seed examples to the bot and prints the four cards that arrived', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'dist/demo.js')], { cwd: ROOT, encoding: 'utf8' });
    expect(stdout).toContain('url_verification (encrypted)         → 200 {"challenge":"demo-challenge-42"}');
    expect(stdout).toContain('4 cards arrived at the sandbox Open Platform:');
    expect(stdout.match(/── card to /g)).toHaveLength(4);
    expect(stdout).toContain('── card to user_id g12xxxxg (employee, direct message) ──');
    expect(stdout).toContain('── card to open_id ou_xxx (employee, direct message) ──');
    expect(stdout.match(/── card to chat_id oc_sandbox_team_chat \(team chat\) ──/g)).toHaveLength(2);
    expect(stdout).toContain('补卡 approved for 17:23');
    expect(stdout).toContain('换班 12-01 ↔ 12-02');
  });
});

describe('npm run demo -- --ws', () => {
  it('receives both seed examples over the long connection and prints the four cards', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'dist/demo.js'), '--ws'], { cwd: ROOT, encoding: 'utf8' });
    expect(stdout.match(/→ acknowledged \{"code":200\}/g)).toHaveLength(2);
    expect(stdout.match(/── card to /g)).toHaveLength(4);
    expect(stdout).toContain('补卡 approved for 17:23');
  });
});
