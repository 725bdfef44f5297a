import { describe, expect, it } from 'vitest';
import { epochMillis, openEnvelope } from '../../src/ingest/envelope.js';
import { REMEDY_SEED_EXAMPLE, SHIFT_SEED_EXAMPLE } from '../../src/sandbox/seed-events.js';

describe('opening envelopes', () => {
  it('opens the v2.0 remedy seed example, reading event_create_time (seconds with a fraction)', () => {
    const opened = openEnvelope(REMEDY_SEED_EXAMPLE);
    expect(opened).toMatchObject({
      ok: true,
      envelope: { kind: 'event', schema: '2.0', eventType: 'approval.instance.remedy_group_update_v4', appId: 'cli_xxx', createdAt: 1502199207717 },
    });
  });

  it('reads the documented create_time (ms) too', () => {
    const body = { ...REMEDY_SEED_EXAMPLE, header: { ...REMEDY_SEED_EXAMPLE.header, event_create_time: undefined, create_time: '1661333019123' } };
    const opened = openEnvelope(body);
    expect(opened.ok && opened.envelope.kind === 'event' && opened.envelope.createdAt).toBe(1661333019123);
  });

  it('derives a stable id when the event id is empty, as in the seed example', () => {
    const a = openEnvelope(REMEDY_SEED_EXAMPLE);
    const b = openEnvelope(structuredClone(REMEDY_SEED_EXAMPLE));
    expect(a.ok && a.envelope.kind === 'event' && a.envelope.eventId).toMatch(/^sha256:[0-9a-f]{40}$/);
    expect(a).toEqual(b);
  });

  it('opens the v1.0 shift seed example', () => {
    expect(openEnvelope(SHIFT_SEED_EXAMPLE)).toMatchObject({
      ok: true,
      envelope: { schema: '1.0', eventId: 'bc447199585340d1f3728d26b1c0297a', eventType: 'shift_approval', token: '41a9425ea7df4536a7623e38fa321bae', appId: 'cli_xxx', createdAt: 1502199207717 },
    });
  });

  it('trims the event type (the seed pages register it with a leading space)', () => {
    const body = { ...REMEDY_SEED_EXAMPLE, header: { ...REMEDY_SEED_EXAMPLE.header, event_type: ' approval.instance.remedy_group_update_v4 ' } };
    const opened = openEnvelope(body);
    expect(opened.ok && opened.envelope.kind === 'event' && opened.envelope.eventType).toBe('approval.instance.remedy_group_update_v4');
  });

  it('opens url_verification', () => {
    expect(openEnvelope({ type: 'url_verification', challenge: 'c', token: 't' })).toEqual({
      ok: true,
      envelope: { kind: 'challenge', challenge: 'c', token: 't' },
    });
  });

  it.each([
    [null, 'body is not a JSON object'],
    [{}, 'not a Feishu event envelope'],
    [{ schema: '3.0' }, 'unsupported schema "3.0"'],
    [{ schema: '2.0', header: { event_type: '' }, event: {} }, 'without header.event_type'],
    [{ schema: '2.0', header: { event_type: 'x' } }, 'without an event object'],
    [{ type: 'event_callback', event: { type: 7 } }, 'without event.type'],
    [{ type: 'url_verification' }, 'without a challenge'],
  ])('names what is wrong with %j', (body, error) => {
    const opened = openEnvelope(body);
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.error).toContain(error);
  });
});

describe('epoch values', () => {
  it('reads seconds below 10^12 and milliseconds above', () => {
    expect(epochMillis(1661333019)).toBe(1661333019000);
    expect(epochMillis(1661333019000)).toBe(1661333019000);
    expect(epochMillis('1661333019000')).toBe(1661333019000);
    expect(epochMillis('1502199207.7171419')).toBe(1502199207717);
  });

  it('refuses what is not a positive number', () => {
    for (const value of [undefined, null, '', 'soon', -5, 0, NaN, Infinity, {}, []]) expect(epochMillis(value)).toBeUndefined();
  });
});
