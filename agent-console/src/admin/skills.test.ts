import { describe, expect, it } from 'vitest';
import { formatSkills, parseSkills } from './skills';

describe('skills as typed by an administrator', () => {
  it('reads codes and levels, with or without a colon, and writes them back', () => {
    expect(parseSkills('da 3, en:2,  uk 1', 'languages')).toEqual({ ok: true, value: { da: 3, en: 2, uk: 1 } });
    expect(parseSkills('', 'topics')).toEqual({ ok: true, value: {} });
    expect(formatSkills({ passport: 2, 'housing-benefit': 3 })).toBe('passport 2, housing-benefit 3');
  });

  it('says what is wrong before anything is sent', () => {
    expect(parseSkills('da 4', 'languages')).toMatchObject({ ok: false, error: expect.stringContaining('level 1-3') });
    expect(parseSkills('Danish 3', 'languages')).toMatchObject({ ok: false, error: expect.stringContaining('not a language code') });
    expect(parseSkills('Passport 2', 'topics')).toMatchObject({ ok: false, error: expect.stringContaining('not a topic key') });
  });
});
