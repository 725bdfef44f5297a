// Template rendering: per-language values and repeated elements.
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/cards/render.js';

const localized = { duration: '3 天', duration_zh_cn: '3 天', duration_en_us: '3 days', duration_ja_jp: '3日' };

describe('per-language values', () => {
  it('reads {{name}} in each i18n_content entry in that entry’s language, and as zh_cn elsewhere', () => {
    const text = { content: '{{duration}}', i18n_content: { zh_cn: '时长 {{duration}}', en_us: 'for {{duration}}', ja_jp: '{{duration}}間' } };
    expect(renderTemplate({ text }, localized)).toEqual({ text: { content: '3 天', i18n_content: { zh_cn: '时长 3 天', en_us: 'for 3 days', ja_jp: '3日間' } } });
  });

  it('lets a template pin a language by the suffixed name', () => {
    expect(renderTemplate({ i18n_content: { en_us: '{{duration_ja_jp}}' } }, localized)).toEqual({ i18n_content: { en_us: '3日' } });
  });

  it('takes the plain value for a variable without per-language values, and in an entry of another language', () => {
    expect(renderTemplate({ i18n_content: { en_us: '{{time}}', fr_fr: '{{duration}}' } }, { ...localized, time: '14:03' })).toEqual({ i18n_content: { en_us: '14:03', fr_fr: '3 天' } });
  });

  it('decides sections on the entry’s own value', () => {
    const vars = { more: '', more_en_us: 'and 2 more' };
    expect(renderTemplate({ i18n_content: { zh_cn: '{{#more}}+{{/more}}{{^more}}none{{/more}}', en_us: '{{#more}}{{more}}{{/more}}' } }, vars)).toEqual({
      i18n_content: { zh_cn: 'none', en_us: 'and 2 more' },
    });
  });

  it('escapes a per-language user value in markdown like its plain name', () => {
    const vars = { leave_type: 'a', leave_type_en_us: '<at id=all></at>' };
    const out = renderTemplate({ tag: 'markdown', content: '{{leave_type}}', i18n_content: { en_us: '{{leave_type}}' } }, vars);
    expect(out).toEqual({ tag: 'markdown', content: 'a', i18n_content: { en_us: '&#60;at id&#61;all&#62;&#60;&#47;at&#62;' } });
  });
});

describe('repeated elements ("$each")', () => {
  const person = { $each: 'peers', tag: 'person', user_id: '{{item}}' };

  it('repeats an element for each line of a list variable, in order', () => {
    expect(renderTemplate({ elements: ['a', person, 'z'] }, { peers: 'ou_1\nou_2\n' })).toEqual({
      elements: ['a', { tag: 'person', user_id: 'ou_1' }, { tag: 'person', user_id: 'ou_2' }, 'z'],
    });
  });

  it('leaves nothing for an empty list, and honours $if / $unless first', () => {
    expect(renderTemplate({ elements: [person] }, { peers: '' })).toEqual({ elements: [] });
    expect(renderTemplate({ elements: [{ ...person, $if: 'show' }] }, { peers: 'ou_1', show: '' })).toEqual({ elements: [] });
  });

  it('escapes an item in markdown: it comes from the event', () => {
    const out = renderTemplate({ elements: [{ $each: 'peers', tag: 'markdown', content: '{{item}}' }] }, { peers: '**x**' });
    expect(out).toEqual({ elements: [{ tag: 'markdown', content: '&#42;&#42;x&#42;&#42;' }] });
  });

  it('keeps an item from outside as a value, not as template text', () => {
    expect(renderTemplate({ elements: [{ $each: 'peers', t: '{{item}}' }] }, { peers: '{{peers}}' })).toEqual({ elements: [{ t: '{{peers}}' }] });
  });
});
