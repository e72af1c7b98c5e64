import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDecryptStream,
  createEncryptStream,
  createRangeDecryptStream,
  parseStreamHeader,
  planStreamRange,
  STREAM_HEADER_BYTES,
  STREAM_TAG_BYTES,
} from '../../src/index.js';
import {
  codeOf,
  createKeys,
  encrypt,
  flipped,
  plaintextOf,
  runCollecting,
  runThrough,
  SEGMENT,
  streamContext,
} from './support.js';

const keys = createKeys();
const SIZE = 5 * SEGMENT + 321;

async function readRange(
  ciphertext: Buffer,
  start: number,
  end: number,
  stored = ciphertext,
): Promise<Buffer> {
  const decryptor = await createRangeDecryptStream(keys, streamContext(), {
    header: stored.subarray(0, STREAM_HEADER_BYTES),
    ciphertextBytes: stored.length,
    range: { start, end },
  });
  const { ciphertextStart, ciphertextEnd } = decryptor.plan;
  return runThrough(decryptor, [ciphertext.subarray(ciphertextStart, ciphertextEnd + 1)]);
}

describe('stream ranges', () => {
  it('returns any range of the plaintext', async () => {
    const plaintext = plaintextOf(SIZE);
    const ciphertext = await encrypt(keys, plaintext);

    await fc.assert(
      fc.asyncProperty(fc.nat(SIZE - 1), fc.nat(SIZE - 1), async (a, b) => {
        const start = Math.min(a, b);
        const end = Math.max(a, b);
        const part = await readRange(ciphertext, start, end);
        expect(part.equals(plaintext.subarray(start, end + 1))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('reads only the covering segments', () => {
    const header = parseStreamHeader(
      Buffer.concat([Buffer.from('PHIS'), Buffer.from([1, 0, 0, 0, 1, 0, 0, 4, 0]), Buffer.alloc(71)]),
    );
    const ciphertextBytes = STREAM_HEADER_BYTES + SIZE + 6 * STREAM_TAG_BYTES;
    const stride = SEGMENT + STREAM_TAG_BYTES;

    const plan = planStreamRange(header, ciphertextBytes, { start: SEGMENT + 5, end: 2 * SEGMENT + 1 });

    expect(plan.firstSegment).toBe(1);
    expect(plan.lastSegment).toBe(2);
    expect(plan.ciphertextStart).toBe(STREAM_HEADER_BYTES + stride);
    expect(plan.ciphertextEnd).toBe(STREAM_HEADER_BYTES + 3 * stride - 1);
    expect(plan.skipBytes).toBe(5);
    expect(plan.lengthBytes).toBe(SEGMENT - 3);
  });

  it('covers the final segment with its real length', () => {
    const header = parseStreamHeader(
      Buffer.concat([Buffer.from('PHIS'), Buffer.from([1, 0, 0, 0, 1, 0, 0, 4, 0]), Buffer.alloc(71)]),
    );
    const ciphertextBytes = STREAM_HEADER_BYTES + SIZE + 6 * STREAM_TAG_BYTES;

    const plan = planStreamRange(header, ciphertextBytes, { start: SIZE - 1, end: SIZE - 1 });

    expect(plan.lastSegment).toBe(5);
    expect(plan.finalSegment).toBe(5);
    expect(plan.ciphertextEnd).toBe(ciphertextBytes - 1);
  });

  it.each([
    [SIZE, SIZE],
    [10, 5],
    [-1, 3],
    [0, SIZE],
  ])('rejects the range %i-%i', async (start, end) => {
    const ciphertext = await encrypt(keys, plaintextOf(SIZE));

    await expect(readRange(ciphertext, start, end)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('fails when a covered segment is altered', async () => {
    const ciphertext = await encrypt(keys, plaintextOf(SIZE));
    const altered = flipped(ciphertext, STREAM_HEADER_BYTES + 3 * (SEGMENT + STREAM_TAG_BYTES) + 7, 0x04);

    await expect(readRange(altered, 3 * SEGMENT, 3 * SEGMENT + 10)).rejects.toMatchObject({
      code: 'decryption_failed',
    });
  });

  it('fails on a truncated object', async () => {
    const ciphertext = await encrypt(keys, plaintextOf(SIZE));
    const cut = ciphertext.subarray(0, STREAM_HEADER_BYTES + 4 * (SEGMENT + STREAM_TAG_BYTES));

    // The reader believes the cut object is complete, so its last segment must be the final one.
    await expect(readRange(cut, 3 * SEGMENT, 4 * SEGMENT - 1, cut)).rejects.toMatchObject({
      code: 'decryption_failed',
    });
  });

  it('fails when the ranged read returns fewer bytes', async () => {
    const ciphertext = await encrypt(keys, plaintextOf(SIZE));
    const decryptor = await createRangeDecryptStream(keys, streamContext(), {
      header: ciphertext.subarray(0, STREAM_HEADER_BYTES),
      ciphertextBytes: ciphertext.length,
      range: { start: 0, end: SIZE - 1 },
    });

    const { error } = await runCollecting(
      decryptor,
      ciphertext.subarray(STREAM_HEADER_BYTES, ciphertext.length - 20),
    );
    expect(codeOf(error)).toBe('ciphertext_truncated');
  });

  it('rejects a header of another record', async () => {
    const ciphertext = await encrypt(keys, plaintextOf(SIZE));

    await expect(
      createRangeDecryptStream(keys, streamContext({ part: 3 }), {
        header: ciphertext.subarray(0, STREAM_HEADER_BYTES),
        ciphertextBytes: ciphertext.length,
        range: { start: 0, end: 10 },
      }),
    ).rejects.toMatchObject({ code: 'key_commitment_mismatch' });
  });
});

describe('stream memory', () => {
  it('encrypts and decrypts 256 MiB with bounded memory', async () => {
    const total = 256 * 1024 * 1024;
    const piece = Buffer.alloc(256 * 1024, 7);
    async function* source(): AsyncGenerator<Buffer> {
      for (let sent = 0; sent < total; sent += piece.length) {
        yield piece;
      }
    }
    const encryptor = await createEncryptStream(keys, streamContext());
    const decryptor = createDecryptStream(keys, streamContext());
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    let received = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 5);

    await pipeline(Readable.from(source()), encryptor, decryptor, async (plain) => {
      for await (const chunk of plain) {
        received += (chunk as Buffer).length;
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }
    });
    clearInterval(sampler);

    expect(received).toBe(total);
    // Holding the stream would need 256 MiB; garbage not yet collected stays far below that.
    expect(peak - baseline).toBeLessThan(128 * 1024 * 1024);
  });
});
