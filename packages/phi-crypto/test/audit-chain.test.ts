import { describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  appendAuditEvent,
  type ChainedAuditEvent,
  canonicalAuditEvent,
  GENESIS_HASH,
  hashAuditEvent,
  verifyAuditChain,
  verifyAuditChainAsync,
} from '../src/index.js';
import { errorCode } from './support/harness.js';

const chainKey = Buffer.alloc(32, 9);

function event(n: number): Omit<AuditEvent, 'sequence'> {
  return {
    tenantId: 'tenant-a',
    occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    actor: { type: 'user', id: `user-${n % 3}` },
    action: n % 2 === 0 ? 'phi.decrypt' : 'phi.encrypt',
    resource: { type: 'patient_profile', id: `record-${n}` },
    purpose: 'treatment',
    outcome: 'success',
    keyVersion: 1,
  };
}

function chain(length: number, options: { key?: Buffer } = {}): ChainedAuditEvent[] {
  const events: ChainedAuditEvent[] = [];
  for (let n = 0; n < length; n += 1) {
    events.push(appendAuditEvent(events.at(-1) ?? null, event(n), options));
  }
  return events;
}

describe('appendAuditEvent', () => {
  it('numbers and links events', () => {
    const events = chain(3);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(events[0]?.previousHash).toBe(GENESIS_HASH);
    expect(events[1]?.previousHash).toBe(events[0]?.hash);
    expect(events[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses to link another tenant', async () => {
    const [first] = chain(1);
    expect(
      await errorCode(() => appendAuditEvent(first ?? null, { ...event(1), tenantId: 'tenant-b' })),
    ).toBe('audit_event_invalid');
  });

  it.each([
    ['a local time', { occurredAt: '2025-01-01T00:00:00+01:00' }, 'occurredAt'],
    ['an impossible date', { occurredAt: '2025-02-30T00:00:00.000Z' }, 'occurredAt'],
    ['an empty actor', { actor: { type: 'user', id: '' } }, 'actor.id'],
    ['an unknown outcome', { outcome: 'maybe' }, 'outcome'],
    ['a zero key version', { keyVersion: 0 }, 'keyVersion'],
    ['an empty purpose', { purpose: '' }, 'purpose'],
  ])('rejects %s', async (_case, change, field) => {
    const bad = { ...event(0), ...change } as Omit<AuditEvent, 'sequence'>;
    const error = await Promise.resolve()
      .then(() => appendAuditEvent(null, bad))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'audit_event_invalid', field });
  });

  it('rejects a short HMAC key', async () => {
    expect(await errorCode(() => appendAuditEvent(null, event(0), { key: Buffer.alloc(16) }))).toBe(
      'invalid_argument',
    );
  });
});

describe('canonicalAuditEvent', () => {
  it('ignores extra properties and key order', () => {
    const [first] = chain(1);
    if (first === undefined) {
      throw new Error('chain is empty');
    }
    const shuffled = {
      keyVersion: first.keyVersion,
      outcome: first.outcome,
      purpose: first.purpose,
      resource: { id: first.resource.id, type: first.resource.type },
      action: first.action,
      actor: { id: first.actor.id, type: first.actor.type },
      occurredAt: first.occurredAt,
      sequence: first.sequence,
      tenantId: first.tenantId,
      ipAddress: '10.0.0.1',
    };
    expect(canonicalAuditEvent(shuffled).equals(canonicalAuditEvent(first))).toBe(true);
  });

  it('distinguishes a null key version', () => {
    const [first] = chain(1);
    if (first === undefined) {
      throw new Error('chain is empty');
    }
    expect(hashAuditEvent(GENESIS_HASH, { ...first, keyVersion: null })).not.toBe(first.hash);
  });
});

describe('verifyAuditChain', () => {
  it('accepts an intact chain', () => {
    const events = chain(20);
    expect(verifyAuditChain(events, { tenantId: 'tenant-a' })).toEqual({
      ok: true,
      verified: 20,
      head: { sequence: 20, hash: events[19]?.hash },
    });
    expect(verifyAuditChain([], { tenantId: 'tenant-a' })).toEqual({ ok: true, verified: 0, head: null });
  });

  it('finds an edited event', () => {
    const events = chain(10);
    events[4] = { ...(events[4] as ChainedAuditEvent), purpose: 'marketing' };
    const result = verifyAuditChain(events, { tenantId: 'tenant-a' });
    expect(result).toMatchObject({
      ok: false,
      verified: 4,
      broken: { index: 4, sequence: 5, reason: 'hash_mismatch' },
    });
  });

  it('finds an edited event whose hash was recomputed', () => {
    const events = chain(10);
    const edited = { ...(events[4] as ChainedAuditEvent), outcome: 'denied' as const };
    events[4] = { ...edited, hash: hashAuditEvent(edited.previousHash, edited) };
    const result = verifyAuditChain(events, { tenantId: 'tenant-a' });
    expect(result).toMatchObject({ ok: false, broken: { index: 5, reason: 'previous_hash_mismatch' } });
  });

  it('finds a deleted event', () => {
    const events = chain(10);
    events.splice(6, 1);
    expect(verifyAuditChain(events, { tenantId: 'tenant-a' })).toMatchObject({
      ok: false,
      broken: { index: 6, sequence: 8, reason: 'sequence_gap' },
    });
  });

  it('finds reordered events', () => {
    const events = chain(10);
    const [a, b] = [events[3] as ChainedAuditEvent, events[4] as ChainedAuditEvent];
    events[3] = b;
    events[4] = a;
    expect(verifyAuditChain(events, { tenantId: 'tenant-a' })).toMatchObject({
      ok: false,
      broken: { index: 3, reason: 'sequence_gap' },
    });
    const duplicated = chain(5);
    duplicated.splice(3, 0, duplicated[2] as ChainedAuditEvent);
    expect(verifyAuditChain(duplicated, { tenantId: 'tenant-a' })).toMatchObject({
      ok: false,
      broken: { index: 3, reason: 'sequence_out_of_order' },
    });
  });

  it('finds events of another tenant', () => {
    const events = chain(3);
    expect(verifyAuditChain(events, { tenantId: 'tenant-b' })).toMatchObject({
      ok: false,
      broken: { index: 0, reason: 'tenant_mismatch' },
    });
  });

  it('finds a truncated tail only against a recorded head', () => {
    const events = chain(10);
    const head = { sequence: 10, hash: events[9]?.hash ?? '' };
    const truncated = events.slice(0, 8);
    expect(verifyAuditChain(truncated, { tenantId: 'tenant-a' }).ok).toBe(true);
    expect(verifyAuditChain(truncated, { tenantId: 'tenant-a', expectedHead: head })).toMatchObject({
      ok: false,
      broken: { index: 8, reason: 'head_mismatch' },
    });
  });

  it('resumes from a checkpoint', () => {
    const events = chain(10);
    const checkpoint = { sequence: 5, hash: events[4]?.hash ?? '' };
    expect(verifyAuditChain(events.slice(5), { tenantId: 'tenant-a', after: checkpoint })).toMatchObject({
      ok: true,
      verified: 5,
      head: { sequence: 10 },
    });
  });

  it('needs the key to forge a keyed chain', () => {
    const events = chain(5, { key: chainKey });
    expect(verifyAuditChain(events, { tenantId: 'tenant-a', key: chainKey }).ok).toBe(true);
    expect(verifyAuditChain(events, { tenantId: 'tenant-a' }).ok).toBe(false);

    // An attacker without the key rewrites event 3 and every later hash with plain SHA-256.
    const forged = events.slice(0, 2);
    for (const original of events.slice(2)) {
      const previous = forged.at(-1) as ChainedAuditEvent;
      const changed = { ...original, previousHash: previous.hash, purpose: 'research' };
      forged.push({ ...changed, hash: hashAuditEvent(previous.hash, changed) });
    }
    expect(verifyAuditChain(forged, { tenantId: 'tenant-a', key: chainKey })).toMatchObject({
      ok: false,
      broken: { index: 2, reason: 'hash_mismatch' },
    });
  });

  it('reports a malformed stored event', () => {
    const events = chain(3);
    events[1] = { ...(events[1] as ChainedAuditEvent), occurredAt: 'yesterday' };
    expect(verifyAuditChain(events, { tenantId: 'tenant-a' })).toMatchObject({
      ok: false,
      broken: { index: 1, reason: 'invalid_event' },
    });
  });

  it('verifies a streamed chain', async () => {
    const events = chain(300);
    async function* pages() {
      for (let i = 0; i < events.length; i += 100) {
        await new Promise((resolve) => setImmediate(resolve));
        yield* events.slice(i, i + 100);
      }
    }
    expect(await verifyAuditChainAsync(pages(), { tenantId: 'tenant-a', sliceMs: 0 })).toMatchObject({
      ok: true,
      verified: 300,
    });
  });
});
