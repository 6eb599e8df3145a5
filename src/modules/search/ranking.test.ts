import { describe, expect, it } from 'vitest';
import { activity, DEFAULT_WEIGHTS, ownership, recency, score, weightsFor } from './ranking.js';
import { snippetOf } from './search-query.js';

describe('ranking (SPEC §9)', () => {
  it('scores recency by age bands', () => {
    expect([0, 6.9, 7, 29, 30, 89, 90, 364, 365, 2000].map(recency)).toEqual([
      1.0, 1.0, 0.8, 0.8, 0.6, 0.6, 0.4, 0.4, 0.2, 0.2,
    ]);
  });

  it('scores activity: overdue first, then priority', () => {
    expect(activity({ overdue: true, priority: 'LOW' })).toBe(1.0);
    expect(activity({ overdue: false, priority: 'CRITICAL' })).toBe(0.9);
    expect(activity({ overdue: false, priority: 'HIGH' })).toBe(0.9);
    expect(activity({ overdue: false, priority: 'MEDIUM' })).toBe(0.6);
    expect(activity({ overdue: false, priority: 'LOW' })).toBe(0.4);
    expect(activity({ overdue: false, priority: null })).toBe(0.4);
  });

  it('scores ownership: created by me, assigned to me, anyone', () => {
    expect(ownership({ createdByMe: true, assignedToMe: true })).toBe(1.0);
    expect(ownership({ createdByMe: false, assignedToMe: true })).toBe(0.8);
    expect(ownership({ createdByMe: false, assignedToMe: false })).toBe(0.3);
  });

  it('weighs the parts 0.4, 0.2, 0.2, 0.1, 0.1 unless configured per entity', () => {
    const all = { text: 1, trigram: 1, recency: 1, activity: 1, ownership: 1 };
    expect(score(DEFAULT_WEIGHTS, all)).toBeCloseTo(1.0);
    expect(score(DEFAULT_WEIGHTS, { ...all, text: 0 })).toBeCloseTo(0.6);
    const weights = weightsFor('ticket', { ticket: { recency: 0.5 } });
    expect(weights).toEqual({ ...DEFAULT_WEIGHTS, recency: 0.5 });
    expect(weightsFor('work_order', { ticket: { recency: 0.5 } })).toEqual(DEFAULT_WEIGHTS);
  });
});

describe('snippetOf', () => {
  it('cuts the text around the first word found', () => {
    const body = `${'Lorem ipsum dolor sit amet. '.repeat(10)}The boiler leaks. ${'More text here. '.repeat(10)}`;
    const snippet = snippetOf(body, ['boiler'])!;
    expect(snippet).toContain('boiler leaks');
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(162);
    expect(snippetOf('Short text', ['absent'])).toBe('Short text');
    expect(snippetOf(null, ['x'])).toBeNull();
  });
});
