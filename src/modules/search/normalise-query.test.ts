import { describe, expect, it } from 'vitest';
import { normaliseQuery, tokenize, typoBudget } from './normalise-query.js';
import { typoDistance } from './typos.js';

describe('normaliseQuery', () => {
  it('normalises Unicode, drops control and invisible characters, collapses spaces', () => {
    expect(normaliseQuery('  Ｐｕｍｐ\u00a0 room\u200b\u2060 ')).toBe('Pump room');
    expect(normaliseQuery('fire\u0000 door\u0007')).toBe('fire door');
    expect(normaliseQuery('line\nbreak\ttab')).toBe('line break tab');
    expect(normaliseQuery('cafe\u0301')).toBe('café');
  });

  it('cuts to 500 characters without splitting a character', () => {
    expect(normaliseQuery('a'.repeat(10_000))).toHaveLength(500);
    const emoji = normaliseQuery('🔧'.repeat(600));
    expect(Array.from(emoji)).toHaveLength(500);
    expect(emoji).toBe('🔧'.repeat(500));
  });

  it('refuses fewer than 2 characters after normalisation', () => {
    for (const raw of ['', 'a', '  b  ', '\u200bc\u200b', '\u0000\u0001']) {
      expect(() => normaliseQuery(raw), JSON.stringify(raw)).toThrow(/at least 2/);
    }
    expect(normaliseQuery('ab')).toBe('ab');
  });

  it('keeps SQL and markup as the text they are', () => {
    expect(normaliseQuery("'; DROP TABLE x; --")).toBe("'; DROP TABLE x; --");
  });
});

describe('tokenize', () => {
  it('sorts words into identifiers, exact and fuzzy ones by length', () => {
    expect(tokenize('#WO-000123 pump Boiler maintenance x')).toEqual([
      { kind: 'identifier', text: 'wo-000123' },
      { kind: 'fuzzy', text: 'pump' },
      { kind: 'fuzzy', text: 'boiler' },
      { kind: 'fuzzy', text: 'maintenance' },
    ]);
  });

  it('splits punctuation, keeps codes whole, drops repeats', () => {
    expect(tokenize("don't LON-HQ AHU-01 ahu-01 van")).toEqual([
      { kind: 'exact', text: 'don' },
      { kind: 'identifier', text: 'lon-hq' },
      { kind: 'identifier', text: 'ahu-01' },
      { kind: 'exact', text: 'van' },
    ]);
    expect(tokenize("'; DROP TABLE x; --").map((token) => token.text)).toEqual(['drop', 'table']);
  });

  it('gives 1 typo from 5 characters and 2 from 9', () => {
    expect([4, 5, 8, 9, 20].map(typoBudget)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('typoDistance', () => {
  it('counts insertions, deletions, substitutions and swaps as one typo each', () => {
    expect(typoDistance('boiler', 'boiler', 2)).toBe(0);
    expect(typoDistance('boilr', 'boiler', 2)).toBe(1);
    expect(typoDistance('boilers', 'boiler', 2)).toBe(1);
    expect(typoDistance('boiker', 'boiler', 2)).toBe(1);
    expect(typoDistance('bolier', 'boiler', 2)).toBe(1);
    expect(typoDistance('emegrancy', 'emergency', 2)).toBe(2);
  });

  it('stops at the budget', () => {
    expect(typoDistance('bailur', 'boiler', 1)).toBe(2);
    expect(typoDistance('pump', 'compressor', 2)).toBe(3);
  });
});
