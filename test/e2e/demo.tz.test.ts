// The README's first command must keep working: npm run demo exits 0 and shows every card, each
// team's cards in that team's chat only, naming the employee; then one revocation editing the
// leave's two cards in place.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectLeaveRevoked } from '../support/demo-output.js';

const ROOT = resolve(import.meta.dirname, '../..');

const SALES = ['张三', '王小明', '刘洋'];
const OPS = ['李四', '陈静'];

describe('npm run demo', () => {
  it('posts the example of each attendance approval and prints the twelve cards: each team sees its own people', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'dist/demo.js')], { cwd: ROOT, encoding: 'utf8' });
    expect(stdout).toContain('url_verification (encrypted)         → 200 {"challenge":"demo-challenge-42"}');
    expect(stdout.match(/→ 200 \{"ok":true,"outcome":"accepted"\}/g)).toHaveLength(7); // six approvals, one revocation
    expect(stdout).toContain('12 cards arrived at the sandbox Open Platform:');
    expect(stdout.match(/── card to /g)).toHaveLength(12);
    expect(stdout).toContain('── card to user_id g12xxxxg (employee, direct message) ──');
    expect(stdout).toContain('── card to open_id ou_xxx (employee, direct message) ──');
    const sales = cardsTo(stdout, 'oc_demo_sales');
    const ops = cardsTo(stdout, 'oc_demo_ops');
    expect(sales).toHaveLength(3);
    expect(ops).toHaveLength(3);
    // Each team chat names its own people only.
    for (const card of sales) for (const name of OPS) expect(card).not.toContain(name);
    for (const card of ops) for (const name of SALES) expect(card).not.toContain(name);
    expect(sales.join('\n')).toContain('补卡 approved for 张三 · 17:23');
    expect(sales.join('\n')).toContain('请假 · 王小明 · 09-05 00:00 → 09-07 00:00');
    expect(sales.join('\n')).toContain('出差 · 刘洋 · 08-25 12:00 → 09-01 00:00');
    expect(ops.join('\n')).toContain('换班 · 李四 · 12-01 ↔ 12-02');
    for (const title of ['外出 · 陈静', '加班 · 李四']) expect(ops.join('\n')).toContain(title);
    expect(stdout).toContain('补卡 approved for 17:23'); // the employee's own card
    expectLeaveRevoked(stdout);
  });
});

/** The printed cards sent to a chat, each as its block of lines. */
function cardsTo(stdout: string, chatId: string): string[] {
  return stdout.split('\n── ').filter((block) => block.startsWith(`card to chat_id ${chatId} `));
}
