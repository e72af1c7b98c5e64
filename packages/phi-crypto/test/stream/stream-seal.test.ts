import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readSealKeyVersion, type SealedPart, StreamSealer } from '../../src/index.js';
import { createKeys } from './support.js';

const record = {
  tenantId: 'tenant-a',
  recordType: 'session_recording',
  recordId: '0b7d3c1e-0000-4000-8000-000000000001',
};
const totals = { totalParts: 3, totalBytes: 3000 };

function parts(): SealedPart[] {
  return [0, 1, 2].map((index) => ({
    part: index,
    offset: index * 1000,
    plaintextBytes: 1000,
    header: randomBytes(84),
  }));
}

describe('stream seals', () => {
  it('verifies the seal of every part', async () => {
    const keys = createKeys();
    const sealer = await StreamSealer.forSealing(keys, record);
    const list = parts();
    const seals = list.map((part) => sealer.seal(totals, part));
    const verifier = await StreamSealer.forVerifying(keys, record, readSealKeyVersion(seals[0] ?? ''));

    for (const [index, part] of list.entries()) {
      expect(() => verifier.verify(totals, part, seals[index] ?? '')).not.toThrow();
    }
  });

  it.each([
    ['a moved part', { part: 1 }],
    ['another offset', { offset: 5 }],
    ['another size', { plaintextBytes: 999 }],
    ['another header', { header: randomBytes(84) }],
  ])('rejects %s', async (_name, change) => {
    const keys = createKeys();
    const sealer = await StreamSealer.forSealing(keys, record);
    const part = parts()[0] as SealedPart;
    const seal = sealer.seal(totals, part);

    expect(() => sealer.verify(totals, { ...part, ...change }, seal)).toThrow(
      expect.objectContaining({ code: 'decryption_failed' }),
    );
  });

  it('rejects a seal after trailing parts were dropped', async () => {
    const keys = createKeys();
    const sealer = await StreamSealer.forSealing(keys, record);
    const part = parts()[0] as SealedPart;
    const seal = sealer.seal(totals, part);

    expect(() => sealer.verify({ totalParts: 2, totalBytes: 2000 }, part, seal)).toThrow(
      expect.objectContaining({ code: 'decryption_failed' }),
    );
  });

  it('rejects a seal of another record', async () => {
    const keys = createKeys();
    const sealer = await StreamSealer.forSealing(keys, record);
    const other = await StreamSealer.forSealing(keys, { ...record, recordId: 'another' });
    const part = parts()[0] as SealedPart;

    expect(() => other.verify(totals, part, sealer.seal(totals, part))).toThrow(
      expect.objectContaining({ code: 'decryption_failed' }),
    );
  });

  it('rejects a malformed seal', async () => {
    const keys = createKeys();
    const sealer = await StreamSealer.forSealing(keys, record);
    const part = parts()[0] as SealedPart;

    expect(() => sealer.verify(totals, part, 'not-a-seal')).toThrow(
      expect.objectContaining({ code: 'malformed_ciphertext' }),
    );
  });

  it('cannot verify after the tenant is shredded', async () => {
    const keys = createKeys();
    const sealer = await StreamSealer.forSealing(keys, record);
    const seal = sealer.seal(totals, parts()[0] as SealedPart);
    await keys.shredTenant(record.tenantId);

    await expect(StreamSealer.forVerifying(keys, record, readSealKeyVersion(seal))).rejects.toMatchObject({
      code: 'key_destroyed',
    });
  });
});
