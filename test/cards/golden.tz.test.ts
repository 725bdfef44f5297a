// Golden cards: every kind × audience × locale, checked in as readable files under test/golden/.
// After an intended change: UPDATE_GOLDEN=1 npx vitest run test/cards/golden.tz.test.ts --project tz:UTC, then review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { renderCard } from '../../src/cards/card.js';
import { renderDigest } from '../../src/cards/digest.js';
import { loadTemplates } from '../../src/cards/templates.js';
import { describeCard, type Locale } from '../../src/cards/text-view.js';

const GOLDEN = resolve(import.meta.dirname, '../golden');
const templates = loadTemplates();
// An employee in Tokyo, managers reading in Shanghai: every zone line shows.
const ctx = { zone: 'Asia/Tokyo', teamZone: 'Asia/Shanghai', brand: 'feishu' as const };
const EVENTS: Record<'remedy' | 'shift', ApprovalEvent> = {
  remedy: { kind: 'remedy', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', employeeUserId: 'g12xxxxg', remedyAt: Date.UTC(2026, 10, 21, 5, 3), reason: '忘记打卡 <at id=all></at> **urgent**' },
  shift: { kind: 'shift', instanceCode: '99E91302-17F7-4FE2-1234-F4E73A000000', approvalCode: 'A', employeeOpenId: 'ou_xxx', employeeUserId: 'xxx', shiftTime: '2026-12-01 09:00:00', returnTime: '2026-12-02 09:00:00', reason: 'family [matters](https://example.com)' },
};
const LOCALES: Locale[] = ['zh_cn', 'en_us', 'ja_jp'];
// The same, with the employee's name known (team cards and digests): `*.named.*` files.
const named = { ...ctx, employeeName: '张三' };

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('golden cards', () => {
  for (const kind of ['remedy', 'shift'] as const) {
    for (const audience of ['employee', 'team'] as const) {
      const { card } = renderCard(templates, EVENTS[kind], audience, ctx);
      it(`${kind}.${audience} card JSON`, () => golden(`${kind}.${audience}.json`, JSON.stringify(card, null, 2) + '\n'));
      for (const locale of LOCALES) {
        it(`${kind}.${audience} in ${locale}`, () => golden(`${kind}.${audience}.${locale}.txt`, describeCard(card, locale).join('\n') + '\n'));
      }
    }
  }
  for (const kind of ['remedy', 'shift'] as const) {
    const { card } = renderCard(templates, EVENTS[kind], 'team', named);
    it(`${kind}.team card JSON, with the name`, () => golden(`${kind}.team.named.json`, JSON.stringify(card, null, 2) + '\n'));
    for (const locale of LOCALES) {
      it(`${kind}.team in ${locale}, with the name`, () => golden(`${kind}.team.named.${locale}.txt`, describeCard(card, locale).join('\n') + '\n'));
    }
  }
  for (const locale of LOCALES) {
    it(`digest in ${locale}`, () => {
      const { card } = renderDigest([EVENTS.remedy, EVENTS.shift], ctx);
      golden(`digest.${locale}.txt`, describeCard(card, locale).join('\n') + '\n');
    });
    it(`digest in ${locale}, with the names`, () => {
      const { card } = renderDigest([EVENTS.remedy, EVENTS.shift], (i) => ({ ...ctx, employeeName: ['张三', 'Li *Si*'][i] }));
      golden(`digest.named.${locale}.txt`, describeCard(card, locale).join('\n') + '\n');
    });
  }
});
