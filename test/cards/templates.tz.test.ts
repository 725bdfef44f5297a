import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES_DIR, loadTemplates, TemplateError } from '../../src/cards/templates.js';

/** A TEMPLATES_DIR holding just this one file. */
function overrideWith(file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'templates-'));
  writeFileSync(join(dir, file), text);
  return dir;
}

const card = (elements: unknown[]) => JSON.stringify({ schema: '2.0', header: { title: { tag: 'plain_text', content: '{{time}}' } }, body: { elements } });
const md = (content: string, extra = {}) => ({ tag: 'markdown', content, ...extra });

describe('template checks at start-up', () => {
  it('loads the built-in templates', () => {
    expect(Object.keys(loadTemplates()).sort()).toEqual(['remedy.employee', 'remedy.team', 'shift.employee', 'shift.team']);
  });

  it('takes a file of TEMPLATES_DIR instead of the built-in one, and the others as they are', () => {
    const dir = overrideWith('remedy.team.json', card([md('Custom {{datetime}} {{instance_code}}')]));
    const templates = loadTemplates(dir);
    expect(JSON.stringify(templates['remedy.team'])).toContain('Custom {{datetime}}');
    expect(templates['remedy.employee']).toEqual(loadTemplates()['remedy.employee']);
  });

  it.each([
    ['invalid JSON, with its place', '{\n  "schema": "2.0",\n  oops\n}', /remedy\.team\.json: invalid JSON at line 3, column 3/],
    ['not an object', '[]', /remedy\.team\.json: \$: is not a JSON object/],
    ['not card 2.0', '{"schema":"1.0","header":{},"body":{"elements":[]}}', /\$\.schema: must be "2\.0"/],
    ['no header', '{"schema":"2.0","body":{"elements":[]}}', /\$\.header: is missing or not an object/],
    ['no elements', '{"schema":"2.0","header":{},"body":{}}', /\$\.body\.elements: is missing or not an array/],
    ['an unknown variable', card([md('{{datetime}} {{instance_code}} {{dates}}')]), /\$\.body\.elements\[0\]\.content: unknown variable \{\{dates\}\}/],
    ['a condition on an unknown variable', card([md('{{datetime}} {{instance_code}}', { $if: 'shift_time' })]), /\$\.body\.elements\[0\]\.\$if: names unknown variable "shift_time"/],
    ['a required variable missing', card([md('{{instance_code}} only')]), /\$: required variable \{\{datetime\}\} not used/],
    ['too big for a worst-case sample', card([md('{{datetime}} {{instance_code}}'), ...Array.from({ length: 7 }, () => md('{{reason}}'))]), /\$: renders to \d+ bytes for a worst-case sample/],
  ])('stops start-up on %s, naming the file, the place and the problem', (_, text, message) => {
    const dir = overrideWith('remedy.team.json', text);
    expect(() => loadTemplates(dir)).toThrow(TemplateError);
    expect(() => loadTemplates(dir)).toThrow(message);
  });

  it('names the file in the error', () => {
    const dir = overrideWith('shift.employee.json', '{');
    expect(() => loadTemplates(dir)).toThrow(join(dir, 'shift.employee.json'));
  });

  it('the built-in templates pass the same checks from a copy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    cpSync(BUILT_IN_TEMPLATES_DIR, dir, { recursive: true });
    expect(loadTemplates(dir)).toEqual(loadTemplates());
  });
});
