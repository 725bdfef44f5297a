// The same event gives the same card whatever the process's own TZ. It sets each child's TZ itself,
// so it runs once.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function renderUnder(tz: string): string {
  return execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'test/support/render-samples.ts')], {
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
  });
}

describe('process TZ independence', () => {
  it('renders identical cards under TZ=UTC, Asia/Shanghai and America/New_York', () => {
    const utc = renderUnder('UTC');
    expect(utc.split('\n').filter(Boolean)).toHaveLength(6 * 10 * 2) // zones × events × audiences;
    expect(utc).toContain('2022-08-24 17:23 (GMT+8)');
    expect(renderUnder('Asia/Shanghai')).toBe(utc);
    expect(renderUnder('America/New_York')).toBe(utc);
  });
});
