import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemedyApproved } from '../../src/approvals/types.js';
import { renderCard } from '../../src/cards/card.js';
import { renderTemplate } from '../../src/cards/render.js';
import { BUILT_IN_TEMPLATES_DIR, loadTemplates, TemplateError } from '../../src/cards/templates.js';

/** A TEMPLATES_DIR holding just this one file. */
function overrideWith(file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'templates-'));
  writeFileSync(join(dir, file), text);
  return dir;
}

const card = (elements: unknown[]) => JSON.stringify({ schema: '2.0', header: { title: { tag: 'plain_text', content: '{{time}}' } }, body: { elements } });
const md = (content: string, extra = {}) => ({ tag: 'markdown', content, ...extra });
const REMEDY: RemedyApproved = { kind: 'remedy', instanceCode: 'I-1', employeeUserId: 'u_1', remedyAt: Date.UTC(2026, 10, 21, 6, 3), reason: 'x' };

describe('template checks at start-up', () => {
  it('loads the built-in templates', () => {
    expect(Object.keys(loadTemplates()).sort()).toEqual(
      ['leave', 'out', 'overtime', 'remedy', 'shift', 'trip'].flatMap((kind) => [`${kind}.employee`, `${kind}.team`]),
    );
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
    ['a section on an unknown variable', card([md('{{#name}}by {{employee_name}}{{/name}} {{datetime}} {{instance_code}}')]), /\$\.body\.elements\[0\]\.content: section \{\{#name\}\} names unknown variable "name"/],
    ['a section never closed', card([md('{{#employee_name}}by {{employee_name}} {{datetime}} {{instance_code}}')]), /\$\.body\.elements\[0\]\.content: \{\{#employee_name\}\} has no closing mark/],
    ['a section closed twice', card([md('{{^employee_name}}—{{/employee_name}}{{/employee_name}} {{datetime}} {{instance_code}}')]), /\$\.body\.elements\[0\]\.content: \{\{\/employee_name\}\} has no opening mark/],
    ['a required variable missing', card([md('{{instance_code}} only')]), /\$: required variable \{\{datetime\}\} not used/],
    ['too big for a worst-case sample', card([md('{{datetime}} {{instance_code}}'), ...Array.from({ length: 7 }, () => md('{{reason}}'))]), /\$: renders to \d+ bytes for a worst-case sample/],
  ])('stops start-up on %s, naming the file, the place and the problem', (_, text, message) => {
    const dir = overrideWith('remedy.team.json', text);
    expect(() => loadTemplates(dir)).toThrow(TemplateError);
    expect(() => loadTemplates(dir)).toThrow(message);
  });

  it('renders an override written before names existed as it always did, with or without a name', () => {
    const old = { schema: '2.0', config: { summary: { content: '补卡 {{time}}' } }, header: { title: { tag: 'plain_text', content: '补卡 {{time}}' } }, body: { elements: [md('{{datetime}} {{instance_code}}')] } };
    const templates = loadTemplates(overrideWith('remedy.team.json', JSON.stringify(old)));
    for (const employeeName of [undefined, '张三']) {
      const { card } = renderCard(templates, REMEDY, 'team', { zone: 'Asia/Shanghai', brand: 'feishu', employeeName });
      expect(card).toMatchObject({ config: { summary: { content: '补卡 14:03' } }, header: { title: { content: '补卡 14:03' } } });
    }
  });

  it('lets an override word a string differently with and without a name', () => {
    const title = '{{#employee_name}}{{employee_name}} 补卡 {{time}}{{/employee_name}}{{^employee_name}}补卡 {{time}}{{/employee_name}}';
    const templates = loadTemplates(overrideWith('remedy.team.json', JSON.stringify({ schema: '2.0', header: { title: { tag: 'plain_text', content: title } }, body: { elements: [md('{{ #employee_name }}**{{employee_name}}** · {{/ employee_name }}{{datetime}} {{instance_code}}')] } })));
    const render = (employeeName?: string) => renderCard(templates, REMEDY, 'team', { zone: 'Asia/Shanghai', brand: 'feishu', employeeName }).card as { header: { title: { content: string } }; body: { elements: Array<{ content: string }> } };
    expect(render('Li_Si').header.title.content).toBe('Li_Si 补卡 14:03');
    expect(render('Li_Si').body.elements[0]!.content).toBe('**Li&#95;Si** · 2026-11-21 14:03 (GMT+8) I&#45;1'); // escaped in markdown
    expect(render().header.title.content).toBe('补卡 14:03');
    expect(render().body.elements[0]!.content).toBe('2026-11-21 14:03 (GMT+8) I&#45;1');
  });

  it('reads sections from the template only, never from a value', () => {
    const vars = { employee_name: '{{^employee_name}}x{{/employee_name}}', time: '{{#time}}' };
    expect(renderTemplate({ t: '{{#employee_name}}[{{employee_name}}]{{/employee_name}} {{time}}' }, vars)).toEqual({ t: '[{{^employee_name}}x{{/employee_name}}] {{#time}}' });
  });

  it('resolves a section inside a section of another variable', () => {
    const t = '{{#a}}A{{#b}}B{{/b}}{{^b}}-{{/b}}{{/a}}{{^a}}none{{/a}}';
    expect(renderTemplate({ t }, { a: '1', b: '1' })).toEqual({ t: 'AB' });
    expect(renderTemplate({ t }, { a: '1', b: '' })).toEqual({ t: 'A-' });
    expect(renderTemplate({ t }, { a: '', b: '1' })).toEqual({ t: 'none' });
  });

  const tripCard = (elements: unknown[]) => JSON.stringify({ schema: '2.0', header: { title: { tag: 'plain_text', content: '出差 {{range}}' } }, body: { elements: [md('{{legs}} {{instance_code}}'), ...elements] } });

  it.each([
    ['"$each" over a variable that is no list', tripCard([{ $each: 'legs', tag: 'person', user_id: '{{item}}' }]), /trip\.team\.json: \$\.body\.elements\[1\]\.\$each: names "legs", which is not a list; lists: trip_peer_ids/],
    ['{{item}} outside "$each"', tripCard([md('{{item}}')]), /\$\.body\.elements\[1\]\.content: unknown variable \{\{item\}\}/],
    ['a new kind without its required variables', tripCard([]).replace('{{range}}', 'soon'), /trip\.team\.json: \$: required variable \{\{range\}\} not used/],
  ])('checks the new kinds’ templates too: %s', (_, text, message) => {
    expect(() => loadTemplates(overrideWith('trip.team.json', text))).toThrow(message);
  });

  it('takes an override that repeats a person element per fellow traveller and words a value per language', () => {
    const text = tripCard([{ $each: 'trip_peer_ids', tag: 'person', user_id: '{{item}}' }, { tag: 'markdown', content: '{{duration}}', i18n_content: { en_us: '{{duration}}', ja_jp: '{{duration_ja_jp}}' } }]);
    expect(() => loadTemplates(overrideWith('trip.team.json', text))).not.toThrow();
    const dir = overrideWith('leave.employee.json', JSON.stringify({ schema: '2.0', header: { title: { tag: 'plain_text', content: '{{range}}' } }, body: { elements: [md('{{period}} {{leave_type_en_us}} {{instance_code}}')] } }));
    expect(() => loadTemplates(dir)).not.toThrow();
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
