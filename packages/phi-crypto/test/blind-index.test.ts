import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlindIndexer, InMemoryTenantKeyRepository, unwrapKey } from '../src/index.js';
import { createHarness, errorCode } from './support/harness.js';

const ssnField = { tenantId: 'tenant-a', field: 'patient_profile.ssn', type: 'ssn' as const };

describe('BlindIndexer', () => {
  it('gives equal values the same index after normalization', async () => {
    const { indexer } = createHarness();
    const a = await indexer.compute(ssnField, '123-45-6789');
    expect(a).toMatch(/^bi1_[A-Za-z0-9_-]{43}$/);
    expect(await indexer.compute(ssnField, '123 45 6789')).toBe(a);
    expect(await indexer.compute(ssnField, '123-45-6780')).not.toBe(a);
  });

  it('separates tenants and fields', async () => {
    const { indexer } = createHarness();
    const base = await indexer.compute(ssnField, '123-45-6789');
    expect(await indexer.compute({ ...ssnField, tenantId: 'tenant-b' }, '123-45-6789')).not.toBe(base);
    expect(await indexer.compute({ ...ssnField, field: 'claim.ssn' }, '123-45-6789')).not.toBe(base);
  });

  it('is HMAC-SHA256 under an HKDF key derived from the index key', async () => {
    const h = createHarness();
    const index = await h.indexer.compute(ssnField, '123-45-6789');
    const record = (await h.repository.loadTenantKeys('tenant-a')).find((r) => r.purpose === 'index');
    if (record?.wrappedKey == null) {
      throw new Error('index key missing');
    }
    const raw = unwrapKey(
      h.masterKeys.current,
      { tenantId: 'tenant-a', purpose: 'index', version: 1 },
      record.wrappedKey,
    );
    const info = Buffer.concat(
      ['skillancer/phi-crypto/blind-index/v1', 'tenant-a', '1', 'patient_profile.ssn'].map((part) => {
        const bytes = Buffer.from(part, 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32BE(bytes.length);
        return Buffer.concat([length, bytes]);
      }),
    );
    const fieldKey = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), info, 32));
    const expected = createHmac('sha256', fieldKey).update('123456789').digest('base64url');
    expect(index).toBe(`bi1_${expected}`);
  });

  it('does not change when the data key rotates', async () => {
    const h = createHarness();
    const before = await h.indexer.compute(ssnField, '123-45-6789');
    await h.keys.rotate('tenant-a', 'data');
    expect(await h.indexer.compute(ssnField, '123-45-6789')).toBe(before);
  });

  it('offers old and new indexes during an index key rotation', async () => {
    const h = createHarness();
    const before = await h.indexer.compute(ssnField, '123-45-6789');
    await h.keys.rotate('tenant-a', 'index');
    const after = await h.indexer.compute(ssnField, '123-45-6789');
    expect(after.startsWith('bi2_')).toBe(true);
    expect(await h.indexer.lookupCandidates(ssnField, '123-45-6789')).toEqual([after, before]);
  });

  it('truncates to the configured bits', async () => {
    const h = createHarness();
    const short = new BlindIndexer({ keys: h.keys, bits: 64 });
    const full = await h.indexer.compute(ssnField, '123-45-6789');
    const truncated = await short.compute(ssnField, '123-45-6789');
    expect(Buffer.from(truncated.slice(4), 'base64url')).toEqual(
      Buffer.from(full.slice(4), 'base64url').subarray(0, 8),
    );
    expect(await errorCode(() => new BlindIndexer({ keys: h.keys, bits: 12 }))).toBe('invalid_argument');
  });

  it('rejects invalid and empty values with the field name', async () => {
    const { indexer } = createHarness();
    await expect(indexer.compute(ssnField, 'abc')).rejects.toMatchObject({
      code: 'invalid_ssn',
      field: 'patient_profile.ssn',
    });
    expect(await errorCode(() => indexer.compute({ tenantId: 'tenant-a', field: 'free' }, ''))).toBe(
      'empty_value',
    );
  });

  it('indexes untyped values after NFC normalization', async () => {
    const { indexer } = createHarness();
    const target = { tenantId: 'tenant-a', field: 'note.keyword' };
    expect(await indexer.compute(target, 'e\u0301')).toBe(await indexer.compute(target, '\u00e9'));
  });

  it('computes batches with per-item errors', async () => {
    const { indexer } = createHarness();
    const results = await indexer.computeBatch(ssnField, ['123-45-6789', 'nope']);
    expect(results[0]?.ok).toBe(true);
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'invalid_ssn' } });
  });

  it('agrees across replicas', async () => {
    const repository = new InMemoryTenantKeyRepository();
    const [a, b] = [createHarness({ repository }), createHarness({ repository })];
    const [x, y] = await Promise.all([
      a.indexer.compute(ssnField, '123-45-6789'),
      b.indexer.compute(ssnField, '123-45-6789'),
    ]);
    expect(x).toBe(y);
  });
});
