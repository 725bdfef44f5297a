// Golden cards: every kind × audience × locale, checked in as readable files under test/golden/.
// After an intended change: UPDATE_GOLDEN=1 npx vitest run test/cards/golden.tz.test.ts --project tz:UTC, then review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent, ApprovalKindName } from '../../src/approvals/types.js';
import { renderCard } from '../../src/cards/card.js';
import { renderDigest } from '../../src/cards/digest.js';
import { loadTemplates } from '../../src/cards/templates.js';
import { describeCard, type Locale } from '../../src/cards/text-view.js';

const GOLDEN = resolve(import.meta.dirname, '../golden');
const templates = loadTemplates();
// An employee in Tokyo, managers reading in Shanghai: every zone line shows.
const ctx = { zone: 'Asia/Tokyo', teamZone: 'Asia/Shanghai', brand: 'feishu' as const };
const EVENTS: Record<ApprovalKindName, ApprovalEvent> = {
  remedy: { kind: 'remedy', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', employeeUserId: 'g12xxxxg', remedyAt: Date.UTC(2026, 10, 21, 5, 3), reason: '忘记打卡 <at id=all></at> **urgent**' },
  shift: { kind: 'shift', instanceCode: '99E91302-17F7-4FE2-1234-F4E73A000000', approvalCode: 'A', employeeOpenId: 'ou_xxx', employeeUserId: 'xxx', shiftTime: '2026-12-01 09:00:00', returnTime: '2026-12-02 09:00:00', reason: 'family [matters](https://example.com)' },
  leave: {
    kind: 'leave', instanceCode: 'CEF48CEE-CEF4-45C9-1234-DCBF8BEC1234', approvalCode: 'L', employeeUserId: 'g6964xxx', employeeOpenId: 'ou_leave',
    leaveType: { zh_cn: '年假', en_us: 'Annual leave', ja_jp: '年次休暇' }, start: '2026-12-01 09:00:00', end: '2026-12-03 18:00:00',
    intervalSeconds: 259200, unit: 'DAY', reason: '回老家 <at id=all></at>',
  },
  // The type only in zh_cn, without a default: en_us and ja_jp show the neutral word.
  out: {
    kind: 'out', instanceCode: '59558CEE-CEF4-45C9-A2C3-DCBF8BEC7341', employeeOpenId: 'ou_out', outType: { zh_cn: '拜访客户' },
    start: '2026-12-01 14:00:00', end: '2026-12-01 17:30:00', intervalSeconds: 12600, unit: 'HOUR', reason: 'client **visit**',
  },
  overtime: {
    kind: 'overtime', instanceCode: '99E91302-17F7-4FE2-1234-F4E73A000001', employeeUserId: 'u_ot', employeeOpenId: 'ou_ot', overtimeType: {},
    ranges: [{ start: '2026-12-01 19:00:00', end: '2026-12-01 22:00:00' }, { start: '2026-12-03 19:00:00', end: '2026-12-03 21:30:00' }],
    intervalSeconds: 19800, reason: '版本发布',
  },
  trip: {
    kind: 'trip', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', employeeOpenId: 'ou_trip',
    legs: [
      { start: '2026-12-01 08:00:00', end: '2026-12-01 12:30:00', departure: '北京', destination: '上海', transportation: '高铁', tripType: '单程' },
      { start: '2026-12-03 16:00:00', end: '2026-12-03 20:30:00', departure: '上海', destination: '北京 [HQ](https://x.example)', transportation: '', tripType: '单程' },
    ],
    intervalSeconds: 216000, peers: ['ou_peer1', 'u_peer2'], reason: '客户现场',
  },
};
const KINDS = Object.keys(EVENTS) as ApprovalKindName[];
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
  for (const kind of KINDS) {
    for (const audience of ['employee', 'team'] as const) {
      const { card } = renderCard(templates, EVENTS[kind], audience, ctx);
      it(`${kind}.${audience} card JSON`, () => golden(`${kind}.${audience}.json`, JSON.stringify(card, null, 2) + '\n'));
      for (const locale of LOCALES) {
        it(`${kind}.${audience} in ${locale}`, () => golden(`${kind}.${audience}.${locale}.txt`, describeCard(card, locale).join('\n') + '\n'));
      }
    }
  }
  for (const kind of KINDS) {
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
    it(`digest of every kind in ${locale}, with and without names`, () => {
      const { card } = renderDigest(Object.values(EVENTS), (i) => ({ ...ctx, employeeName: i % 2 === 0 ? '张三' : undefined }));
      golden(`digest.kinds.${locale}.txt`, describeCard(card, locale).join('\n') + '\n');
    });
  }
});
