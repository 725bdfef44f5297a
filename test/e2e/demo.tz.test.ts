// The README's first command must keep working: npm run demo exits 0 and shows all four cards,
// each team's card in that team's chat only, naming the employee.
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
    const sales = cardsTo(stdout, 'oc_demo_sales');
    const ops = cardsTo(stdout, 'oc_demo_ops');
    expect(sales).toHaveLength(1);
    expect(ops).toHaveLength(1);
    expect(sales[0]).toContain('补卡 approved for 张三 · 17:23');
    expect(sales[0]).not.toContain('李四');
    expect(ops[0]).toContain('换班 · 李四 · 12-01 ↔ 12-02');
    expect(ops[0]).not.toContain('张三');
    expect(stdout).toContain('补卡 approved for 17:23'); // the employee's own card
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

/** The printed cards sent to a chat, each as its block of lines. */
function cardsTo(stdout: string, chatId: string): string[] {
  return stdout.split('\n── ').filter((block) => block.startsWith(`card to chat_id ${chatId} `));
}
