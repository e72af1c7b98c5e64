import { describe, expect, it } from 'vitest';
import {
  HetznerApiError,
  selectorFromLabels,
  validateCreateVolume,
  validateLabelKey,
  validateLabelValue,
  validateName,
  validateSize,
} from '../src/index.js';

function rejection(run: () => void): HetznerApiError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HetznerApiError);
    return error as HetznerApiError;
  }
  throw new Error('expected the call to throw');
}

describe('validateName', () => {
  it.each(['a', 'pod-1', 'Pod_1.data', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(() => validateName(name)).not.toThrow();
  });

  it.each(['', '-pod', 'pod-', 'pod 1', 'pod/1', 'x'.repeat(65), 'ümlaut'])('rejects %j', (name) => {
    const error = rejection(() => validateName(name));
    expect(error.code).toBe('invalid_input');
    expect(error.origin).toBe('client');
    expect(error.status).toBeUndefined();
  });
});

describe('validateSize', () => {
  it.each([10, 11, 10240])('accepts %d GB', (size) => {
    expect(() => validateSize(size)).not.toThrow();
  });

  it.each([0, 9, 10241, 10.5, Number.NaN, -20])('rejects %d GB', (size) => {
    expect(rejection(() => validateSize(size)).details).toMatchObject({ fields: [{ name: 'size' }] });
  });
});

describe('label rules', () => {
  it.each(['env', 'example.com/my', 'a.b-c_d', 'skillancer.io/pod', `${'a'.repeat(63)}`])(
    'accepts key %s',
    (key) => {
      expect(() => validateLabelKey(key)).not.toThrow();
    },
  );

  it.each([
    '',
    '/name',
    'a/b/c',
    'csi.storage.k8s.io/pvc/name',
    'hetzner.cloud/x',
    'csi.hetzner.cloud/x',
    'Example.com/x',
    '-env',
    'a'.repeat(64),
    `${'a'.repeat(254)}/x`,
  ])('rejects key %j', (key) => {
    expect(rejection(() => validateLabelKey(key)).code).toBe('invalid_input');
  });

  it.each(['', 'prod', 'a.b_c-d', 'x'.repeat(63)])('accepts value %j', (value) => {
    expect(() => validateLabelValue('k', value)).not.toThrow();
  });

  it.each(['-x', 'x-', 'with space', 'a=b', 'x'.repeat(64), 'a,b'])('rejects value %j', (value) => {
    expect(rejection(() => validateLabelValue('k', value)).message).toContain("label 'k'");
  });

  it('builds a sorted selector and rejects unsafe values', () => {
    expect(selectorFromLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(() => selectorFromLabels({ a: 'x,b!=y' })).toThrow(HetznerApiError);
  });
});

describe('validateCreateVolume', () => {
  it('requires exactly one of server and location', () => {
    expect(rejection(() => validateCreateVolume({ name: 'v', size: 10 })).message).toContain('exactly one');
    expect(
      rejection(() => validateCreateVolume({ name: 'v', size: 10, server: 1, location: 'fsn1' })).code,
    ).toBe('invalid_input');
  });

  it('allows automount only with a server', () => {
    expect(
      rejection(() => validateCreateVolume({ name: 'v', size: 10, location: 'fsn1', automount: true }))
        .message,
    ).toContain('automount');
    expect(() => validateCreateVolume({ name: 'v', size: 10, server: 7, automount: true })).not.toThrow();
  });

  it('rejects an unknown format', () => {
    const options = { name: 'v', size: 10, location: 'fsn1', format: 'btrfs' as 'xfs' };
    expect(rejection(() => validateCreateVolume(options)).message).toContain('btrfs');
  });
});
