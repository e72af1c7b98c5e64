import { describe, expect, it } from 'vitest';
import { ApiFault, matchesSelector, parseLabelSelector } from '../../src/hetzner/index.js';

const labels = { env: 'production', type: 'web', team: 'a', empty: '' };

describe('label selector', () => {
  it.each([
    ['env=production', true],
    ['env==production', true],
    ['env=staging', false],
    ['env!=staging', true],
    ['env!=production', false],
    ['missing!=x', true],
    ['env', true],
    ['missing', false],
    ['!missing', true],
    ['!env', false],
    ['env in (staging,production)', true],
    ['env in (staging)', false],
    ['env notin (staging,qa)', true],
    ['env notin (production)', false],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['env=production,type!=database', true],
    ['env=production,type=database', false],
    ['env=production, team in (a, b), !missing', true],
    ['empty=', true],
    ['example.com/key', false],
    ['', true],
  ])('%j matches: %s', (selector, expected) => {
    expect(matchesSelector(labels, parseLabelSelector(selector))).toBe(expected);
  });

  it.each([
    ['env=production,', 'invalid identifier'],
    ['=x', 'invalid identifier'],
    ['env in production', 'expected ('],
    ['env in (a,b', 'expected comma or )'],
    ['env=a b', 'expected comma'],
    ['env ~ a', 'expected operator'],
  ])('rejects %j with %s', (selector, problem) => {
    try {
      parseLabelSelector(selector);
      expect.unreachable(`${selector} must not parse`);
    } catch (error) {
      expect(error).toBeInstanceOf(ApiFault);
      expect((error as ApiFault).code).toBe('invalid_input');
      expect((error as ApiFault).message).toContain(problem);
      expect((error as ApiFault).message).toMatch(/at pos \d+/);
    }
  });
});
