import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES_DIR, loadTemplates, TemplateError } from '../../src/cards/templates.js';

function templatesWith(file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'templates-'));
  cpSync(BUILT_IN_TEMPLATES_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  return dir;
}

describe('template checks at start-up', () => {
  it('loads the built-in templates', () => {
    expect(Object.keys(loadTemplates()).sort()).toEqual(['remedy.employee', 'remedy.team', 'shift.employee', 'shift.team']);
  });

  it.each([
    ['{ not json', /remedy\.team\.json: invalid JSON/],
    ['[]', /remedy\.team\.json: is not a JSON object/],
    ['{"schema":"1.0","header":{},"body":{"elements":[]}}', /schema must be "2\.0"/],
    ['{"schema":"2.0","body":{"elements":[]}}', /has no header object/],
    ['{"schema":"2.0","header":{},"body":{}}', /has no body\.elements array/],
    ['{"schema":"2.0","header":{},"body":{"elements":[{"tag":"markdown","content":"{{dates}}"}]}}', /unknown variable \{\{dates\}\} at \$\.body\.elements\[0\]\.content/],
  ])('refuses %s', (text, message) => {
    const dir = templatesWith('remedy.team.json', text);
    expect(() => loadTemplates(dir)).toThrow(TemplateError);
    expect(() => loadTemplates(dir)).toThrow(message);
  });
});
