import { describe, expect, it } from 'vitest';
import {
  createDecryptStream,
  createEncryptStream,
  parseStreamHeader,
  STREAM_HEADER_BYTES,
  STREAM_TAG_BYTES,
  streamCiphertextBytes,
  streamPlaintextBytes,
} from '../../src/index.js';
import {
  codeOf,
  createKeys,
  decrypt,
  encrypt,
  flipped,
  plaintextOf,
  runCollecting,
  runThrough,
  SEGMENT,
  streamContext,
} from './support.js';

const STRIDE = SEGMENT + STREAM_TAG_BYTES;

/** Byte range of segment `index` inside a ciphertext of full segments. */
function segmentAt(ciphertext: Buffer, index: number): Buffer {
  const start = STREAM_HEADER_BYTES + index * STRIDE;
  return ciphertext.subarray(start, Math.min(start + STRIDE, ciphertext.length));
}

describe('stream round trip', () => {
  const keys = createKeys();

  it.each([0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 7])(
    'restores %i bytes',
    async (size) => {
      const plaintext = plaintextOf(size);
      const ciphertext = await encrypt(keys, plaintext);

      expect(ciphertext.length).toBe(streamCiphertextBytes(size, SEGMENT));
      expect(streamPlaintextBytes(ciphertext.length, SEGMENT)).toBe(size);
      expect((await decrypt(keys, ciphertext)).equals(plaintext)).toBe(true);
    },
  );

  it('writes a versioned header with the key version', async () => {
    const ciphertext = await encrypt(keys, plaintextOf(10));
    const header = parseStreamHeader(ciphertext);

    expect(ciphertext.subarray(0, 4).toString('latin1')).toBe('PHIS');
    expect(ciphertext[4]).toBe(1);
    expect(header.keyVersion).toBe(1);
    expect(header.segmentSize).toBe(SEGMENT);
  });

  it('uses a fresh salt and nonce prefix per stream', async () => {
    const plaintext = plaintextOf(2 * SEGMENT);
    const first = await encrypt(keys, plaintext);
    const second = await encrypt(keys, plaintext);

    expect(parseStreamHeader(first).salt.equals(parseStreamHeader(second).salt)).toBe(false);
    expect(first.subarray(STREAM_HEADER_BYTES).equals(second.subarray(STREAM_HEADER_BYTES))).toBe(false);
  });

  it('exposes header and byte counts after encryption', async () => {
    const encryptor = await createEncryptStream(keys, streamContext(), { segmentSize: SEGMENT });
    const ciphertext = await runThrough(encryptor, plaintextOf(2500));

    expect(encryptor.header.bytes.equals(ciphertext.subarray(0, STREAM_HEADER_BYTES))).toBe(true);
    expect(encryptor.plaintextBytes).toBe(2500);
    expect(encryptor.ciphertextBytes).toBe(ciphertext.length);
  });

  it('rejects a segment size outside the limits', async () => {
    await expect(createEncryptStream(keys, streamContext(), { segmentSize: 100 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('rejects an invalid context part', async () => {
    await expect(createEncryptStream(keys, streamContext({ part: -1 }))).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});

describe('stream tampering', () => {
  const keys = createKeys();
  const plaintext = plaintextOf(4 * SEGMENT + 100);

  async function expectFailure(ciphertext: Buffer, codes: string[], context = streamContext()) {
    const { output, error } = await runCollecting(createDecryptStream(keys, context), ciphertext);
    expect(codes).toContain(codeOf(error));
    // Whatever came out before the failure is an authenticated prefix of the real plaintext.
    expect(output.equals(plaintext.subarray(0, output.length))).toBe(true);
    return output;
  }

  it('fails on an altered segment', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const altered = flipped(ciphertext, STREAM_HEADER_BYTES + 2 * STRIDE + 10, 0x01);

    const output = await expectFailure(altered, ['decryption_failed']);
    expect(output.length).toBeLessThanOrEqual(2 * SEGMENT);
  });

  it('fails on an altered tag', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const altered = flipped(ciphertext, STREAM_HEADER_BYTES + STRIDE - 1, 0x80);

    await expectFailure(altered, ['decryption_failed']);
  });

  it('fails on swapped segments', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const swapped = Buffer.concat([
      ciphertext.subarray(0, STREAM_HEADER_BYTES),
      segmentAt(ciphertext, 1),
      segmentAt(ciphertext, 0),
      ciphertext.subarray(STREAM_HEADER_BYTES + 2 * STRIDE),
    ]);

    await expectFailure(swapped, ['decryption_failed']);
  });

  it('fails on a duplicated segment', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const duplicated = Buffer.concat([
      ciphertext.subarray(0, STREAM_HEADER_BYTES + 2 * STRIDE),
      segmentAt(ciphertext, 1),
      ciphertext.subarray(STREAM_HEADER_BYTES + 2 * STRIDE),
    ]);

    const output = await expectFailure(duplicated, ['decryption_failed']);
    expect(output.length).toBeLessThanOrEqual(2 * SEGMENT);
  });

  it('fails when the final segment is dropped', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const truncated = ciphertext.subarray(0, STREAM_HEADER_BYTES + 4 * STRIDE);

    await expectFailure(truncated, ['decryption_failed']);
  });

  it('fails when the stream is cut inside a segment', async () => {
    const ciphertext = await encrypt(keys, plaintext);

    await expectFailure(ciphertext.subarray(0, ciphertext.length - 5), ['decryption_failed']);
    await expectFailure(ciphertext.subarray(0, STREAM_HEADER_BYTES + 2 * STRIDE + 8), [
      'ciphertext_truncated',
    ]);
  });

  it('fails when the stream is cut inside the header', async () => {
    const ciphertext = await encrypt(keys, plaintext);

    await expectFailure(ciphertext.subarray(0, 40), ['ciphertext_truncated']);
  });

  it('fails when bytes are appended', async () => {
    const ciphertext = await encrypt(keys, plaintext);

    await expectFailure(Buffer.concat([ciphertext, Buffer.from('extra')]), ['decryption_failed']);
    await expectFailure(Buffer.concat([ciphertext, segmentAt(ciphertext, 0)]), ['decryption_failed']);
  });

  it('fails on a foreign segment', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const other = await encrypt(keys, plaintext);
    const spliced = Buffer.concat([
      ciphertext.subarray(0, STREAM_HEADER_BYTES + STRIDE),
      segmentAt(other, 1),
      ciphertext.subarray(STREAM_HEADER_BYTES + 2 * STRIDE),
    ]);

    await expectFailure(spliced, ['decryption_failed']);
  });

  it.each([
    ['salt', 20],
    ['nonce prefix', 46],
    ['commitment', 60],
  ])('fails when the header %s is altered', async (_name, offset) => {
    const ciphertext = await encrypt(keys, plaintext);
    const altered = flipped(ciphertext, offset, 0x01);

    const output = await expectFailure(altered, ['key_commitment_mismatch', 'decryption_failed']);
    expect(output.length).toBe(0);
  });

  it('fails when the header names another segment size', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const altered = Buffer.from(ciphertext);
    altered.writeUInt32BE(2 * SEGMENT, 9);

    await expectFailure(altered, ['key_commitment_mismatch', 'decryption_failed']);
  });

  it('rejects an unknown format version and a wrong magic', async () => {
    const ciphertext = await encrypt(keys, plaintext);
    const version = Buffer.from(ciphertext);
    version[4] = 2;
    const magic = Buffer.from(ciphertext);
    magic[0] = 0x51;

    await expectFailure(version, ['unsupported_format_version']);
    await expectFailure(magic, ['malformed_ciphertext']);
  });

  it.each([
    ['tenant', { tenantId: 'tenant-b' }],
    ['record', { recordId: '0b7d3c1e-0000-4000-8000-000000000002' }],
    ['part', { part: 1 }],
  ])('fails under another %s', async (_name, overrides) => {
    const ciphertext = await encrypt(keys, plaintext);

    await expectFailure(
      ciphertext,
      ['key_commitment_mismatch', 'key_version_not_found', 'tenant_keys_not_found'],
      {
        ...streamContext(),
        ...overrides,
      },
    );
  });

  it('fails after the tenant is shredded', async () => {
    const shredKeys = createKeys();
    const ciphertext = await encrypt(shredKeys, plaintext);
    await shredKeys.shredTenant('tenant-a');

    const { error } = await runCollecting(createDecryptStream(shredKeys, streamContext()), ciphertext);
    expect(codeOf(error)).toBe('key_destroyed');
  });

  it('decrypts after the data key rotates', async () => {
    const rotating = createKeys();
    const ciphertext = await encrypt(rotating, plaintext);
    await rotating.rotate('tenant-a');
    const newer = await encrypt(rotating, plaintext);

    expect(parseStreamHeader(newer).keyVersion).toBe(2);
    expect((await decrypt(rotating, ciphertext)).equals(plaintext)).toBe(true);
  });
});

describe('stream size arithmetic', () => {
  it('rejects lengths that no encryption produces', () => {
    expect(() => streamPlaintextBytes(STREAM_HEADER_BYTES + 5, SEGMENT)).toThrow(/cannot be complete/);
    expect(() => streamPlaintextBytes(STREAM_HEADER_BYTES + STRIDE + 16, SEGMENT)).toThrow(
      /cannot be complete/,
    );
    expect(() => streamPlaintextBytes(STREAM_HEADER_BYTES + STRIDE + 3, SEGMENT)).toThrow(
      /cannot be complete/,
    );
  });

  it('accepts the empty stream', () => {
    expect(streamPlaintextBytes(STREAM_HEADER_BYTES + STREAM_TAG_BYTES, SEGMENT)).toBe(0);
  });
});
