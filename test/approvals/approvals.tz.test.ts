import { describe, expect, it } from 'vitest';
import { kindForEventType } from '../../src/approvals/index.js';
import { remedy } from '../../src/approvals/remedy.js';
import { shift } from '../../src/approvals/shift.js';
import { openEnvelope, type EventEnvelope } from '../../src/ingest/envelope.js';
import { REMEDY_SEED_EXAMPLE, SHIFT_SEED_EXAMPLE } from '../../src/sandbox/seed-events.js';

function envelopeOf(body: unknown): EventEnvelope {
  const opened = openEnvelope(body);
  if (!opened.ok || opened.envelope.kind !== 'event') throw new Error('not an event');
  return opened.envelope;
}

function remedyWith(fields: Record<string, unknown>) {
  const body = structuredClone(REMEDY_SEED_EXAMPLE) as { event: { object: Record<string, unknown> } };
  Object.assign(body.event.object, fields);
  const envelope = envelopeOf(body);
  return remedy.normalize(envelope.payload, envelope);
}

function shiftWith(fields: Record<string, unknown>) {
  const body = structuredClone(SHIFT_SEED_EXAMPLE) as { event: Record<string, unknown> };
  Object.assign(body.event, fields);
  const envelope = envelopeOf(body);
  return shift.normalize(envelope.payload, envelope);
}

describe('registry', () => {
  it('maps event types, trimmed, to kinds', () => {
    expect(kindForEventType(' approval.instance.remedy_group_update_v4')?.kind).toBe('remedy');
    expect(kindForEventType('shift_approval\n')?.kind).toBe('shift');
    expect(kindForEventType('calendar.calendar.event.changed_v4')).toBeUndefined();
    expect(kindForEventType('Shift_Approval')).toBeUndefined();
  });
});

describe('补卡 (remedy)', () => {
  it('reads the seed example, whose remedy_time is in seconds', () => {
    expect(remedyWith({})).toEqual({
      ok: true,
      event: { kind: 'remedy', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', employeeUserId: 'g12xxxxg', remedyAt: 1661333019000, reason: '' },
    });
  });

  it('reads remedy_time in milliseconds, as the field table documents', () => {
    const result = remedyWith({ remedy_time: 1661333019000 });
    expect(result.ok && result.event.kind === 'remedy' && result.event.remedyAt).toBe(1661333019000);
  });

  it('reads fields at event level when there is no event.object', () => {
    const envelope = envelopeOf({ ...REMEDY_SEED_EXAMPLE, event: REMEDY_SEED_EXAMPLE.event.object });
    expect(remedy.normalize(envelope.payload, envelope).ok).toBe(true);
  });

  it('sends the employee card by user_id', () => {
    const result = remedyWith({});
    expect(result.ok && remedy.employee(result.event)).toEqual({ audience: 'employee', receiveIdType: 'user_id', receiveId: 'g12xxxxg' });
  });

  it.each([
    [{ instance_code: undefined }, 'instance_code is missing'],
    [{ instance_code: '  ' }, 'instance_code is missing'],
    [{ employee_id: 12 }, 'employee_id is missing'],
    [{ remedy_time: 'noon' }, 'remedy_time "noon" is not a timestamp'],
    [{ remedy_time: undefined }, 'remedy_time undefined is not a timestamp'],
    [{ remedy_time: 99999999999999 }, 'is not a timestamp'],
    [{ remedy_time: [[1661333019]] }, 'remedy_time an array is not a timestamp'],
    [{ remedy_reason: { text: 'x' } }, 'remedy_reason is not a string'],
  ])('rejects %j: %s', (fields, reason) => {
    const result = remedyWith(fields);
    expect(result).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('ignores a status other than APPROVED instead of announcing it', () => {
    expect(remedyWith({ status: 'REJECTED' })).toEqual({ ok: false, outcome: 'ignored', reason: 'status REJECTED is not APPROVED' });
  });
});

describe('换班 (shift)', () => {
  it('reads the seed example', () => {
    expect(shiftWith({})).toEqual({
      ok: true,
      event: {
        kind: 'shift',
        instanceCode: '99E91302-17F7-4FE2-1234-F4E73Axxx',
        approvalCode: '5B432123-848C-49BD-1234-11EF0Exxx',
        employeeUserId: 'xxx',
        employeeOpenId: 'ou_xxx',
        shiftTime: '2018-12-01 12:00:00',
        returnTime: '2018-12-02 12:00:00',
        reason: 'xxx',
      },
    });
  });

  it('treats an empty return_time as a one-way shift change', () => {
    for (const value of ['', undefined, null]) {
      const result = shiftWith({ return_time: value });
      expect(result.ok && result.event.kind === 'shift' && result.event.returnTime).toBeNull();
    }
  });

  it('normalizes wall-clock times without seconds', () => {
    const result = shiftWith({ shift_time: '2018-12-01 08:30' });
    expect(result.ok && result.event.kind === 'shift' && result.event.shiftTime).toBe('2018-12-01 08:30:00');
  });

  it('sends the employee card by open_id, or by user_id when the event has none', () => {
    const withOpenId = shiftWith({});
    expect(withOpenId.ok && shift.employee(withOpenId.event)).toMatchObject({ receiveIdType: 'open_id', receiveId: 'ou_xxx' });
    const withoutOpenId = shiftWith({ open_id: '' });
    expect(withoutOpenId.ok && shift.employee(withoutOpenId.event)).toMatchObject({ receiveIdType: 'user_id', receiveId: 'xxx' });
  });

  it.each([
    [{ shift_time: '' }, 'shift_time is missing'],
    [{ shift_time: '2018-02-30 12:00:00' }, 'shift_time "2018-02-30 12:00:00" is not a time'],
    [{ shift_time: '2018-12-01 24:00:00' }, 'is not a time'],
    [{ shift_time: '12/01/2018' }, 'is not a time'],
    [{ return_time: 'tomorrow' }, 'return_time "tomorrow" is not a time'],
    [{ open_id: '', employee_id: '' }, 'neither open_id nor employee_id'],
    [{ instance_code: '' }, 'instance_code is missing'],
  ])('rejects %j: %s', (fields, reason) => {
    const result = shiftWith(fields);
    expect(result).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(!result.ok && result.reason).toContain(reason);
  });
});
