import { describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  appendAuditEvent,
  type ChainedAuditEvent,
  canonicalAuditEvent,
  GENESIS_HASH,
  hashAuditEvent,
  sealUnkeyedPrefix,
  verifyAuditChain,
  verifyAuditChainAsync,
  verifyUnkeyedPrefixSeal,
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

/** A chain of `unkeyed` plain SHA-256 events followed by `keyed` events under version 1 of `chainKey`. */
function mixedChain(unkeyed: number, keyed: number): ChainedAuditEvent[] {
  const events = chain(unkeyed);
  for (let n = unkeyed; n < unkeyed + keyed; n += 1) {
    events.push(appendAuditEvent(events.at(-1) ?? null, event(n), { key: chainKey, macKeyVersion: 1 }));
  }
  return events;
}

/** Recomputes every hash from `start` on in plain SHA-256, as someone without the key would. */
function rehashPlain(
  events: ChainedAuditEvent[],
  start: number,
  change: Partial<AuditEvent>,
): ChainedAuditEvent[] {
  const forged = events.slice(0, start);
  for (const original of events.slice(start)) {
    const previousHash = forged.at(-1)?.hash ?? GENESIS_HASH;
    const changed = { ...original, ...change, previousHash, macKeyVersion: null };
    forged.push({ ...changed, hash: hashAuditEvent(previousHash, changed) });
  }
  return forged;
}

describe('verifyAuditChain with versioned MAC keys', () => {
  const keys = new Map([[1, chainKey]]);

  it('verifies an unkeyed prefix followed by keyed events', () => {
    const events = mixedChain(3, 4);
    const prefix = { sequence: 3, hash: events[2]?.hash ?? '' };

    expect(events[3]?.macKeyVersion).toBe(1);
    expect(
      verifyAuditChain(events, { tenantId: 'tenant-a', macKeys: { keys, unkeyedPrefix: prefix } }),
    ).toEqual({
      ok: true,
      verified: 7,
      head: { sequence: 7, hash: events[6]?.hash },
    });
  });

  it('rejects a plain event after a keyed one', () => {
    const events = mixedChain(2, 2);
    const previous = events[3] as ChainedAuditEvent;
    events.push(appendAuditEvent(previous, event(4)));
    const prefix = { sequence: 2, hash: events[1]?.hash ?? '' };

    expect(
      verifyAuditChain(events, { tenantId: 'tenant-a', macKeys: { keys, unkeyedPrefix: prefix } }),
    ).toMatchObject({
      ok: false,
      verified: 4,
      broken: { sequence: 5, reason: 'unkeyed_event' },
    });
  });

  it('rejects a plain event after a keyed one inside the prefix', () => {
    const events = mixedChain(0, 2);
    events.push(appendAuditEvent(events[1] as ChainedAuditEvent, event(2)));

    expect(
      verifyAuditChain(events, {
        tenantId: 'tenant-a',
        macKeys: { keys, unkeyedPrefix: { sequence: 5, hash: 'x' } },
      }),
    ).toMatchObject({ ok: false, broken: { sequence: 3, reason: 'unkeyed_event' } });
  });

  it('rejects a chain rewritten in plain SHA-256 from its first event', () => {
    const forged = rehashPlain(mixedChain(0, 4), 0, { purpose: 'research' });

    expect(verifyAuditChain(forged, { tenantId: 'tenant-a' }).ok).toBe(true);
    expect(
      verifyAuditChain(forged, { tenantId: 'tenant-a', macKeys: { keys, unkeyedPrefix: null } }),
    ).toMatchObject({
      ok: false,
      verified: 0,
      broken: { sequence: 1, reason: 'unkeyed_event' },
    });
  });

  it('rejects a rewritten unkeyed prefix', () => {
    const events = mixedChain(3, 2);
    const prefix = { sequence: 3, hash: events[2]?.hash ?? '' };
    const forged = rehashPlain(events, 1, { purpose: 'research' });

    expect(
      verifyAuditChain(forged, { tenantId: 'tenant-a', macKeys: { keys, unkeyedPrefix: prefix } }),
    ).toMatchObject({
      ok: false,
      verified: 2,
      broken: { sequence: 3, reason: 'unkeyed_prefix_mismatch' },
    });
  });

  it('rejects a chain cut inside its unkeyed prefix', () => {
    const events = mixedChain(3, 2);
    const prefix = { sequence: 3, hash: events[2]?.hash ?? '' };
    const truncated = events.slice(0, 2);

    expect(
      verifyAuditChain(truncated, {
        tenantId: 'tenant-a',
        expectedHead: { sequence: 2, hash: truncated[1]?.hash ?? '' },
        macKeys: { keys, unkeyedPrefix: prefix },
      }),
    ).toMatchObject({ ok: false, verified: 2, broken: { index: 2, reason: 'unkeyed_prefix_mismatch' } });
  });

  it('rejects a keyed event rehashed under another key', () => {
    const events = mixedChain(0, 3);
    const original = events[1] as ChainedAuditEvent;
    const changed = { ...original, purpose: 'research' };
    events[1] = {
      ...changed,
      hash: hashAuditEvent(changed.previousHash, changed, { key: Buffer.alloc(32, 7) }),
    };

    expect(
      verifyAuditChain(events, { tenantId: 'tenant-a', macKeys: { keys, unkeyedPrefix: null } }),
    ).toMatchObject({
      ok: false,
      broken: { sequence: 2, reason: 'hash_mismatch' },
    });
  });

  it('rejects an event naming a key version it was not given', () => {
    const events = mixedChain(0, 2);
    events[1] = { ...(events[1] as ChainedAuditEvent), macKeyVersion: 2 };

    expect(
      verifyAuditChain(events, { tenantId: 'tenant-a', macKeys: { keys, unkeyedPrefix: null } }),
    ).toMatchObject({
      ok: false,
      broken: { sequence: 2, reason: 'unknown_mac_key' },
    });
    expect(verifyAuditChain(mixedChain(0, 1), { tenantId: 'tenant-a' })).toMatchObject({
      ok: false,
      broken: { sequence: 1, reason: 'unknown_mac_key' },
    });
  });

  it('rejects key together with macKeys', async () => {
    const options = { tenantId: 'tenant-a', key: chainKey, macKeys: { keys, unkeyedPrefix: null } };

    expect(await errorCode(() => verifyAuditChain([], options))).toBe('invalid_argument');
  });

  it('rejects a short versioned key', async () => {
    const options = {
      tenantId: 'tenant-a',
      macKeys: { keys: new Map([[1, Buffer.alloc(16)]]), unkeyedPrefix: null },
    };

    expect(await errorCode(() => verifyAuditChain([], options))).toBe('invalid_argument');
  });
});

describe('unkeyed prefix seal', () => {
  const prefix = { sequence: 4, hash: 'ab'.repeat(32) };

  it('verifies under the sealing key only', () => {
    const seal = sealUnkeyedPrefix(chainKey, 'tenant-a', prefix);

    expect(seal).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyUnkeyedPrefixSeal(chainKey, 'tenant-a', prefix, seal)).toBe(true);
    expect(verifyUnkeyedPrefixSeal(Buffer.alloc(32, 1), 'tenant-a', prefix, seal)).toBe(false);
  });

  it('binds the tenant, sequence and hash', () => {
    const seal = sealUnkeyedPrefix(chainKey, 'tenant-a', prefix);

    expect(verifyUnkeyedPrefixSeal(chainKey, 'tenant-b', prefix, seal)).toBe(false);
    expect(verifyUnkeyedPrefixSeal(chainKey, 'tenant-a', { ...prefix, sequence: 5 }, seal)).toBe(false);
    expect(verifyUnkeyedPrefixSeal(chainKey, 'tenant-a', { ...prefix, hash: 'cd'.repeat(32) }, seal)).toBe(
      false,
    );
  });

  it('rejects a malformed seal', () => {
    expect(verifyUnkeyedPrefixSeal(chainKey, 'tenant-a', prefix, 'not hex')).toBe(false);
  });
});
