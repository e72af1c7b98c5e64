import { describe, expect, it } from 'vitest';
import {
  decryptLegacy,
  isLegacyCiphertext,
  MasterKeyring,
  migrateLegacyBatch,
  migrateLegacyValue,
  parseLegacyCiphertext,
} from '../src/index.js';
import { context, createHarness, errorCode, MASTER_HEX_A, MASTER_HEX_B } from './support/harness.js';
import { encryptLegacyReference } from './support/legacy-reference.js';

const ringA = MasterKeyring.fromHex({ current: MASTER_HEX_A });
const legacyContext = { userId: 'u-17', field: 'ssn' };
// Each value costs one PBKDF2 run (about 25 ms), so the suite encrypts a few values once.
const plain = encryptLegacyReference(MASTER_HEX_A, 'tenant-a', 'Jane Doe');
const withContext = encryptLegacyReference(MASTER_HEX_A, 'tenant-a', '123-45-6789', legacyContext);
const unicode = encryptLegacyReference(MASTER_HEX_A, 'tenant-ü', 'Zoë Ångström');

function withField(stored: string, field: string, value: unknown): string {
  return JSON.stringify({ ...JSON.parse(stored), [field]: value });
}

describe('decryptLegacy', () => {
  it('decrypts values written by the earlier service', async () => {
    expect(await decryptLegacy(ringA, { tenantId: 'tenant-a', stored: plain })).toBe('Jane Doe');
    expect(await decryptLegacy(ringA, { tenantId: 'tenant-ü', stored: JSON.parse(unicode) })).toBe(
      'Zoë Ångström',
    );
  });

  it('authenticates the JSON context as associated data', async () => {
    expect(await decryptLegacy(ringA, { tenantId: 'tenant-a', stored: withContext, legacyContext })).toBe(
      '123-45-6789',
    );
    const reordered = { field: 'ssn', userId: 'u-17' };
    expect(
      await errorCode(() =>
        decryptLegacy(ringA, { tenantId: 'tenant-a', stored: withContext, legacyContext: reordered }),
      ),
    ).toBe('legacy_decryption_failed');
    expect(await errorCode(() => decryptLegacy(ringA, { tenantId: 'tenant-a', stored: withContext }))).toBe(
      'legacy_decryption_failed',
    );
  });

  it('tries earlier master keys', async () => {
    const rotated = MasterKeyring.fromHex({ current: MASTER_HEX_B, previous: [MASTER_HEX_A] });
    expect(await decryptLegacy(rotated, { tenantId: 'tenant-a', stored: plain })).toBe('Jane Doe');
  });

  it('fails with a wrong master key', async () => {
    const wrong = MasterKeyring.fromHex({ current: MASTER_HEX_B });
    expect(await errorCode(() => decryptLegacy(wrong, { tenantId: 'tenant-a', stored: plain }))).toBe(
      'legacy_decryption_failed',
    );
  });

  it('rejects a value of another tenant before deriving keys', async () => {
    expect(await errorCode(() => decryptLegacy(ringA, { tenantId: 'tenant-b', stored: plain }))).toBe(
      'legacy_tenant_mismatch',
    );
  });

  it('rejects altered ciphertext', async () => {
    const parsed = JSON.parse(plain);
    const data = Buffer.from(parsed.encryptedData, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    const altered = withField(plain, 'encryptedData', data.toString('base64'));
    expect(await errorCode(() => decryptLegacy(ringA, { tenantId: 'tenant-a', stored: altered }))).toBe(
      'legacy_decryption_failed',
    );
  });
});

describe('parseLegacyCiphertext', () => {
  it.each([
    ['invalid JSON', '{not json', undefined],
    ['an array', '[]', undefined],
    ['a missing field', JSON.stringify({ ...JSON.parse(plain), authTag: undefined }), 'authTag'],
    ['another algorithm', withField(plain, 'algorithm', 'aes-256-cbc'), 'algorithm'],
    ['a bad keyId', withField(plain, 'keyId', 'user:1'), 'keyId'],
    ['a 12-byte iv', withField(plain, 'iv', Buffer.alloc(12).toString('base64')), 'iv'],
    ['a short tag', withField(plain, 'authTag', Buffer.alloc(4).toString('base64')), 'authTag'],
    ['a 16-byte salt', withField(plain, 'encryptedKey', Buffer.alloc(16).toString('base64')), 'encryptedKey'],
    ['non-canonical base64', withField(plain, 'iv', `${JSON.parse(plain).iv} `), 'iv'],
  ])('rejects %s', async (_case, stored, field) => {
    const error = await Promise.resolve()
      .then(() => parseLegacyCiphertext(stored))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'legacy_format_invalid' });
    if (field !== undefined) {
      expect(error).toMatchObject({ field });
    }
  });

  it('tells legacy values from current ones', async () => {
    const h = createHarness();
    expect(isLegacyCiphertext(plain)).toBe(true);
    expect(isLegacyCiphertext(await h.encryptor.encrypt(context(), 'v'))).toBe(false);
  });
});

describe('legacy migration', () => {
  it('rewrites a value into the current format', async () => {
    const h = createHarness();
    const migrated = await migrateLegacyValue(ringA, h.encryptor, {
      context: context(),
      stored: withContext,
      legacyContext,
    });
    expect(isLegacyCiphertext(migrated)).toBe(false);
    expect(await h.encryptor.decrypt(context(), migrated)).toBe('123-45-6789');
  });

  it('migrates batches with per-item errors and progress', async () => {
    const h = createHarness();
    const progress: number[] = [];
    const results = await migrateLegacyBatch(
      ringA,
      h.encryptor,
      [
        { context: context({ recordId: 'r1' }), stored: plain },
        { context: context({ recordId: 'r2', tenantId: 'tenant-b' }), stored: plain },
        { context: context({ recordId: 'r3' }), stored: withContext, legacyContext },
      ],
      { concurrency: 2, onProgress: (p) => progress.push(p.done) },
    );
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'legacy_tenant_mismatch', 'ok']);
    expect(progress).toEqual([1, 2, 3]);
    const third = results[2];
    if (third?.ok !== true) {
      throw new Error('the third item should have been migrated');
    }
    expect(await h.encryptor.decrypt(context({ recordId: 'r3' }), third.value)).toBe('123-45-6789');
  });
});
