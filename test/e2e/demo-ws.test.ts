// npm run demo -- --ws: the same demo over the long connection. Runs once: demo.tz.test.ts checks
// the printed times under each process zone.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectLeaveRevoked } from '../support/demo-output.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run demo -- --ws', () => {
  it('receives the examples over the long connection and prints the twelve cards', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'dist/demo.js'), '--ws'], { cwd: ROOT, encoding: 'utf8' });
    expect(stdout.match(/→ acknowledged \{"code":200\}/g)).toHaveLength(7);
    expect(stdout.match(/── card to /g)).toHaveLength(12);
    expect(stdout).toContain('补卡 approved for 17:23');
    expectLeaveRevoked(stdout);
  });
});
