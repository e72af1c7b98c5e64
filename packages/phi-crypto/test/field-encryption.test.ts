import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealField } from '../src/format/field-cipher.js';
import {
  encodeFieldContext,
  FieldEncryptor,
  isFieldCiphertext,
  PayloadType,
  parseFieldCiphertext,
  readKeyVersion,
} from '../src/index.js';
import { context, createHarness, errorCode, MASTER_HEX_A } from './support/harness.js';
import { encryptLegacyReference } from './support/legacy-reference.js';

function mutate(ciphertext: string, offset: number, mask = 1): string {
  const bytes = Buffer.from(ciphertext, 'base64url');
  bytes[offset] = (bytes[offset] ?? 0) ^ mask;
  return bytes.toString('base64url');
}

describe('FieldEncryptor round trip', () => {
  it('decrypts what it encrypted', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), '123-45-6789');
    expect(ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(ciphertext).not.toContain('123');
    expect(await h.encryptor.decrypt(context(), ciphertext)).toBe('123-45-6789');
  });

  it('round-trips any well-formed text', async () => {
    const h = createHarness();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), async (text) => {
        const ciphertext = await h.encryptor.encrypt(context(), text);
        expect(await h.encryptor.decrypt(context(), ciphertext)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips bytes that are not UTF-8', async () => {
    const h = createHarness();
    const bytes = Uint8Array.of(0xff, 0xfe, 0x00, 0xc3, 0x28);
    const ciphertext = await h.encryptor.encryptBytes(context({ field: 'scan' }), bytes);
    expect(await h.encryptor.decryptBytes(context({ field: 'scan' }), ciphertext)).toEqual(
      Buffer.from(bytes),
    );
  });

  it('writes the documented layout', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'abc');
    const bytes = Buffer.from(ciphertext, 'base64url');
    expect(bytes.length).toBe(66 + 3);
    const envelope = parseFieldCiphertext(ciphertext);
    expect(envelope).toMatchObject({ formatVersion: 1, keyVersion: 1, payloadType: PayloadType.text });
    expect(envelope.nonce).toHaveLength(12);
    expect(envelope.commitment).toHaveLength(32);
    expect(envelope.ciphertext).toHaveLength(3);
    expect(envelope.tag).toHaveLength(16);
    expect(readKeyVersion(ciphertext)).toBe(1);
    expect(isFieldCiphertext(ciphertext)).toBe(true);
  });

  it('uses a fresh nonce for every encryption', async () => {
    const h = createHarness();
    const nonces = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      nonces.add(parseFieldCiphertext(await h.encryptor.encrypt(context(), 'same')).nonce.toString('hex'));
    }
    expect(nonces.size).toBe(2000);
  });

  it('encodes the context without ambiguity', () => {
    const a = encodeFieldContext(context({ recordType: 'ab', recordId: 'c' }));
    const b = encodeFieldContext(context({ recordType: 'a', recordId: 'bc' }));
    expect(a.equals(b)).toBe(false);
  });
});

describe('FieldEncryptor context binding', () => {
  it.each([
    ['record', { recordId: '6f1c2a9e-0000-4000-8000-000000000002' }],
    ['field', { field: 'date_of_birth' }],
    ['record type', { recordType: 'insurance_claim' }],
  ])('rejects a value moved to another %s', async (_case, moved) => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'secret');
    expect(await errorCode(() => h.encryptor.decrypt(context(moved), ciphertext))).toBe('decryption_failed');
  });

  it('rejects a value moved to another tenant through the key commitment', async () => {
    const h = createHarness();
    const fromB = await h.encryptor.encrypt(context({ tenantId: 'tenant-b' }), 'secret');
    await h.encryptor.encrypt(context(), 'creates tenant-a keys');
    expect(await errorCode(() => h.encryptor.decrypt(context(), fromB))).toBe('key_commitment_mismatch');
  });

  it('rejects a value of a tenant without keys', async () => {
    const h = createHarness();
    const fromB = await h.encryptor.encrypt(context({ tenantId: 'tenant-b' }), 'secret');
    expect(await errorCode(() => h.encryptor.decrypt(context(), fromB))).toBe('tenant_keys_not_found');
  });

  it('names the field but never the value in errors', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), '123-45-6789');
    const error = await h.encryptor.decrypt(context({ field: 'mrn' }), ciphertext).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'decryption_failed', field: 'mrn' });
    expect(String(error)).not.toContain('123-45-6789');
  });
});

describe('FieldEncryptor bad input', () => {
  it('rejects altered bytes anywhere in the value', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'secret value');
    const length = Buffer.from(ciphertext, 'base64url').length;
    const codes = new Set<string>();
    for (let offset = 0; offset < length; offset += 1) {
      codes.add(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, offset))));
    }
    expect([...codes].sort()).toEqual([
      'decryption_failed',
      'key_commitment_mismatch',
      'key_version_not_found',
      'malformed_ciphertext',
      'unsupported_format_version',
    ]);
  });

  it('reports which byte group was altered', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'secret value');
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 0)))).toBe(
      'unsupported_format_version',
    );
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 4)))).toBe(
      'key_version_not_found',
    );
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 5, 3)))).toBe(
      'payload_type_mismatch',
    );
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 5, 4)))).toBe(
      'malformed_ciphertext',
    );
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 8)))).toBe(
      'decryption_failed',
    );
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 30)))).toBe(
      'key_commitment_mismatch',
    );
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 52)))).toBe(
      'decryption_failed',
    );
    expect(await errorCode(() => h.encryptor.decrypt(context(), mutate(ciphertext, 70)))).toBe(
      'decryption_failed',
    );
  });

  it('rejects truncated values', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'secret value');
    const bytes = Buffer.from(ciphertext, 'base64url');
    const cut = (n: number) => bytes.subarray(0, n).toString('base64url');
    expect(await errorCode(() => h.encryptor.decrypt(context(), cut(65)))).toBe('ciphertext_truncated');
    expect(await errorCode(() => h.encryptor.decrypt(context(), cut(10)))).toBe('ciphertext_truncated');
    expect(await errorCode(() => h.encryptor.decrypt(context(), cut(bytes.length - 1)))).toBe(
      'decryption_failed',
    );
  });

  it('rejects an unknown format version', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'v');
    const bytes = Buffer.from(ciphertext, 'base64url');
    bytes[0] = 2;
    const error = await h.encryptor.decrypt(context(), bytes.toString('base64url')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unsupported_format_version', details: { formatVersion: 2 } });
  });

  it.each([
    ['padding', (c: string) => `${c}==`],
    ['whitespace', (c: string) => `${c.slice(0, 10)} ${c.slice(10)}`],
    ['standard alphabet', (c: string) => `+${c.slice(1)}`],
    ['a stray character', (c: string) => `${c}!`],
    ['an empty string', () => ''],
  ])('rejects non-canonical base64url: %s', async (_case, change) => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'v');
    expect(await errorCode(() => h.encryptor.decrypt(context(), change(ciphertext)))).toBe(
      'malformed_ciphertext',
    );
  });

  it('points legacy JSON to the legacy reader', async () => {
    const h = createHarness();
    const legacy = encryptLegacyReference(MASTER_HEX_A, 'tenant-a', 'v');
    await expect(h.encryptor.decrypt(context(), legacy)).rejects.toThrow(/decryptLegacy/);
  });

  it('refuses to read bytes as text and text as bytes', async () => {
    const h = createHarness();
    const bytes = await h.encryptor.encryptBytes(context(), Uint8Array.of(0xff, 0x00));
    const text = await h.encryptor.encrypt(context(), 'text');
    await expect(h.encryptor.decrypt(context(), bytes)).rejects.toMatchObject({
      code: 'payload_type_mismatch',
      message: expect.stringContaining('decryptBytes'),
    });
    expect(await errorCode(() => h.encryptor.decryptBytes(context(), text))).toBe('payload_type_mismatch');
  });

  it('rejects empty values', async () => {
    const h = createHarness();
    await expect(h.encryptor.encrypt(context(), '')).rejects.toMatchObject({
      code: 'empty_value',
      field: 'ssn',
    });
    expect(await errorCode(() => h.encryptor.encryptBytes(context(), new Uint8Array()))).toBe('empty_value');
  });

  it('rejects values above the size limit', async () => {
    const keys = createHarness().keys;
    const small = new FieldEncryptor({ keys, maxPlaintextBytes: 1024 });
    expect(await small.encrypt(context(), 'x'.repeat(1024))).toBeTruthy();
    await expect(small.encrypt(context(), 'x'.repeat(1025))).rejects.toMatchObject({
      code: 'value_too_large',
      details: { bytes: 1025, limit: 1024 },
    });
    const h = createHarness();
    expect(await errorCode(() => h.encryptor.encrypt(context(), 'x'.repeat(1024 * 1024 + 1)))).toBe(
      'value_too_large',
    );
    expect(await errorCode(() => new FieldEncryptor({ keys, maxPlaintextBytes: 64 * 1024 * 1024 }))).toBe(
      'invalid_argument',
    );
  });

  it('round-trips a value at the default size limit', async () => {
    const h = createHarness();
    const large = 'é'.repeat(512 * 1024);
    expect(await h.encryptor.decrypt(context(), await h.encryptor.encrypt(context(), large))).toBe(large);
  });

  it('rejects text that decrypts to invalid UTF-8', async () => {
    const h = createHarness();
    const key = await h.keys.encryptionKey('tenant-a');
    const stored = sealField(key, context(), Buffer.of(0x61, 0xff, 0xfe), PayloadType.text);
    await expect(h.encryptor.decrypt(context(), stored)).rejects.toMatchObject({
      code: 'invalid_utf8',
      field: 'ssn',
    });
  });

  it('rejects text with an unpaired surrogate', async () => {
    const h = createHarness();
    expect(await errorCode(() => h.encryptor.encrypt(context(), 'ab\uD800cd'))).toBe('invalid_utf8');
  });

  it.each([
    ['an empty tenant', { tenantId: '' }],
    ['an empty record id', { recordId: '' }],
    ['an oversized field', { field: 'f'.repeat(513) }],
    ['an oversized multibyte field', { field: '€'.repeat(200) }],
  ])('rejects a context with %s', async (_case, bad) => {
    const h = createHarness();
    expect(await errorCode(() => h.encryptor.encrypt(context(bad), 'v'))).toBe('invalid_field_context');
  });
});

describe('FieldEncryptor rotation', () => {
  it('re-encrypts a value onto the newest version once', async () => {
    const h = createHarness();
    const old = await h.encryptor.encrypt(context(), 'secret');
    await h.keys.rotate('tenant-a');
    const moved = await h.encryptor.reencrypt(context(), old);
    expect(moved).toMatchObject({ fromVersion: 1, toVersion: 2, changed: true });
    expect(await h.encryptor.decrypt(context(), moved.ciphertext)).toBe('secret');
    const again = await h.encryptor.reencrypt(context(), moved.ciphertext);
    expect(again).toEqual({ ciphertext: moved.ciphertext, fromVersion: 2, toVersion: 2, changed: false });
  });

  it('keeps the payload type when re-encrypting bytes', async () => {
    const h = createHarness();
    const old = await h.encryptor.encryptBytes(context(), Uint8Array.of(1, 2, 3));
    await h.keys.rotate('tenant-a');
    const moved = await h.encryptor.reencrypt(context(), old);
    expect(await h.encryptor.decryptBytes(context(), moved.ciphertext)).toEqual(Buffer.of(1, 2, 3));
  });

  it('does not re-encrypt under the wrong context', async () => {
    const h = createHarness();
    const old = await h.encryptor.encrypt(context(), 'secret');
    await h.keys.rotate('tenant-a');
    expect(await errorCode(() => h.encryptor.reencrypt(context({ field: 'other' }), old))).toBe(
      'decryption_failed',
    );
  });
});

describe('FieldEncryptor batches', () => {
  it('returns per-item results in order', async () => {
    const h = createHarness();
    const good = await h.encryptor.encrypt(context(), 'one');
    const results = await h.encryptor.decryptBatch([
      { context: context(), value: good },
      { context: context(), value: 'garbage!' },
      { context: context({ field: 'x' }), value: good },
    ]);
    expect(results[0]).toEqual({ ok: true, value: 'one' });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'malformed_ciphertext' } });
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'decryption_failed' } });
  });

  it('yields to the event loop during a long batch', async () => {
    const h = createHarness();
    const items = [];
    for (let i = 0; i < 2000; i += 1) {
      const ctx = context({ recordId: `r${i}` });
      items.push({ context: ctx, value: await h.encryptor.encrypt(ctx, `value ${i}`) });
    }
    let timerRanAt = -1;
    let progressCalls = 0;
    let done = 0;
    setTimeout(() => {
      timerRanAt = done;
    }, 0);
    const results = await h.encryptor.decryptBatch(items, {
      sliceMs: 1,
      onProgress: (p) => {
        progressCalls += 1;
        done = p.done;
      },
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(timerRanAt).toBeGreaterThanOrEqual(0);
    expect(timerRanAt).toBeLessThan(2000);
    expect(progressCalls).toBeGreaterThan(1);
  });

  it('encrypts and re-encrypts in batches', async () => {
    const h = createHarness();
    const encrypted = await h.encryptor.encryptBatch([
      { context: context(), value: 'a' },
      { context: context(), value: '' },
    ]);
    expect(encrypted[1]).toMatchObject({ ok: false, error: { code: 'empty_value' } });
    await h.keys.rotate('tenant-a');
    const first = encrypted[0];
    if (first?.ok !== true) {
      throw new Error('first item should have been encrypted');
    }
    const moved = await h.encryptor.reencryptBatch([{ context: context(), value: first.value }]);
    expect(moved[0]).toMatchObject({ ok: true, value: { changed: true, toVersion: 2 } });
  });

  it('stops a batch when aborted', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'v');
    const controller = new AbortController();
    controller.abort(new Error('stopped by test'));
    const items = Array.from({ length: 50 }, () => ({ context: context(), value: ciphertext }));
    await expect(h.encryptor.decryptBatch(items, { sliceMs: 0, signal: controller.signal })).rejects.toThrow(
      'stopped by test',
    );
  });
});
