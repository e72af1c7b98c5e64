import { VolumeError } from '@skillancer/volumes';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/pods/cursor.js';
import { classifyFailure, exhaustedFailure } from '../src/pods/failures.js';
import { resolveSettings } from '../src/pods/lifecycle.js';
import {
  isRejected,
  type PodState,
  planTransition,
  stateAfterFailure,
  stateAfterSuccess,
} from '../src/pods/states.js';

describe('planTransition', () => {
  it.each([
    ['ready', 'stop', 'stop', 'stopping'],
    ['stopped', 'start', 'start', 'starting'],
    ['failed', 'start', 'create', 'provisioning'],
    ['ready', 'resize', 'resize', 'resizing'],
    ['stopped', 'resize', 'resize', 'resizing'],
    ['ready', 'delete', 'delete', 'deleting'],
    ['stopped', 'delete', 'delete', 'deleting'],
    ['failed', 'delete', 'delete', 'deleting'],
  ] as const)('plans %s + %s as %s', (state, action, operation, next) => {
    const plan = planTransition(state, action, null);

    expect(isRejected(plan)).toBe(false);
    expect(plan).toMatchObject({ operation, state: next });
  });

  it.each([
    ['provisioning', 'stop', 'operation_in_progress'],
    ['deleting', 'delete', 'operation_in_progress'],
    ['resizing', 'resize', 'operation_in_progress'],
    ['stopped', 'stop', 'invalid_state'],
    ['ready', 'start', 'invalid_state'],
    ['failed', 'stop', 'invalid_state'],
    ['failed', 'resize', 'invalid_state'],
    ['deleted', 'start', 'invalid_state'],
    ['deleted', 'delete', 'invalid_state'],
  ] as const)('rejects %s + %s with %s', (state, action, code) => {
    const plan = planTransition(state as PodState, action, null);

    expect(isRejected(plan)).toBe(true);
    expect((plan as { code?: string }).code).toBe(code);
  });

  it('refuses to restart a pod whose volume is missing', () => {
    const plan = planTransition('failed', 'start', 'volume_missing');

    expect(isRejected(plan)).toBe(true);
    expect((plan as { code?: string }).code).toBe('invalid_state');
  });

  it('returns to the previous state after a resize or a failure', () => {
    expect(stateAfterSuccess('resize', 'stopped')).toBe('stopped');
    expect(stateAfterSuccess('create', null)).toBe('ready');
    expect(stateAfterFailure('create', null)).toBe('failed');
    expect(stateAfterFailure('stop', 'ready')).toBe('ready');
    expect(stateAfterFailure('delete', 'stopped')).toBe('stopped');
  });
});

describe('cursor', () => {
  it('round-trips', () => {
    const cursor = {
      createdAt: new Date('2026-03-01T10:20:30.456Z'),
      id: '3f1c2a4e-8b7d-4c6e-9a1b-2c3d4e5f6a7b',
    };

    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each(['', 'bogus', Buffer.from('2026-03-01T10:20:30.456Z|not-a-uuid').toString('base64url')])(
    'rejects %j',
    (text) => {
      expect(decodeCursor(text)).toBeNull();
    },
  );
});

describe('classifyFailure', () => {
  it('marks provider outages as transient', () => {
    const failure = classifyFailure(new VolumeError('provider_unavailable', 'rate limited'));

    expect(failure.transient).toBe(true);
    expect(exhaustedFailure(failure, 5).transient).toBe(false);
    expect(exhaustedFailure(failure, 5).message).toMatch(/gave up after 5 attempts$/);
  });

  it('keeps the volume id of a failed attach', () => {
    const failure = classifyFailure(new VolumeError('attach_failed', 'attach failed', { volumeId: '4711' }));

    expect(failure).toMatchObject({ code: 'attach_failed', transient: false, volumeId: '4711' });
  });

  it('renames provider codes the API shows differently', () => {
    expect(classifyFailure(new VolumeError('not_found', 'gone')).code).toBe('volume_missing');
    expect(classifyFailure(new VolumeError('protected', 'protected')).code).toBe('volume_protected');
  });

  it('treats unexpected errors as transient', () => {
    expect(classifyFailure(new Error('database connection reset')).transient).toBe(true);
  });
});

describe('resolveSettings', () => {
  it('fills in the defaults', () => {
    const settings = resolveSettings({ location: 'fsn1', defaultSizeGb: 10 });

    expect(settings.reconcileIntervalMs).toBe(60_000);
    expect(settings.orphanGraceMs).toBe(24 * 3600_000);
    expect(settings.tenantLabelKey).toBe('skillancer.io/tenant');
  });

  it.each([
    ['a tenant label key with a space', { tenantLabelKey: 'tenant id' }],
    ['the reserved hetzner.cloud/ prefix', { tenantLabelKey: 'hetzner.cloud/tenant' }],
    ['a managed label value with a slash', { managedVolumeLabels: { 'skillancer.io/managed-by': 'a/b' } }],
  ])('rejects %s', (_case, override) => {
    expect(() => resolveSettings({ location: 'fsn1', defaultSizeGb: 10, ...override })).toThrow(
      /pod volume labels are invalid/,
    );
  });
});
