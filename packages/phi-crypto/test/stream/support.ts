import { createHash, randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  createDecryptStream,
  createEncryptStream,
  InMemoryTenantKeyRepository,
  KeyManager,
  MasterKeyring,
  type StreamContext,
} from '../../src/index.js';

export const SEGMENT = 1024;

export function createKeys(): KeyManager {
  const master = createHash('sha256').update('phi-crypto stream test master key').digest('hex');
  return new KeyManager({
    masterKeys: MasterKeyring.fromHex({ current: master }),
    repository: new InMemoryTenantKeyRepository(),
  });
}

export function streamContext(overrides: Partial<StreamContext> = {}): StreamContext {
  return {
    tenantId: 'tenant-a',
    recordType: 'session_recording',
    recordId: '0b7d3c1e-0000-4000-8000-000000000001',
    part: 0,
    ...overrides,
  };
}

/** Splits `data` into pieces of random sizes, so segment boundaries fall inside writes. */
export function randomPieces(data: Buffer, maxPiece = 3000): Buffer[] {
  const pieces: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const size = 1 + Math.floor(Math.random() * maxPiece);
    pieces.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

/** Runs `input` through `transform` and returns everything it wrote, or throws its error. */
export async function runThrough(transform: Transform, input: Buffer[] | Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from(Array.isArray(input) ? input : [input]), transform, async (source) => {
    for await (const chunk of source) {
      chunks.push(chunk as Buffer);
    }
  });
  return Buffer.concat(chunks);
}

/**
 * Like `runThrough`, but also returns what came out before a failure, so tests can check that no
 * unauthenticated plaintext escaped.
 */
export async function runCollecting(
  transform: Transform,
  input: Buffer,
): Promise<{ output: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    await pipeline(Readable.from([input]), transform, async (source) => {
      for await (const chunk of source) {
        chunks.push(chunk as Buffer);
      }
    });
    return { output: Buffer.concat(chunks), error: undefined };
  } catch (error) {
    return { output: Buffer.concat(chunks), error };
  }
}

export async function encrypt(
  keys: KeyManager,
  plaintext: Buffer,
  context: StreamContext = streamContext(),
  segmentSize = SEGMENT,
): Promise<Buffer> {
  const encryptor = await createEncryptStream(keys, context, { segmentSize });
  return runThrough(encryptor, randomPieces(plaintext));
}

export function decrypt(keys: KeyManager, ciphertext: Buffer, context: StreamContext = streamContext()) {
  return runThrough(createDecryptStream(keys, context), randomPieces(ciphertext));
}

export function codeOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error ? String(error.code) : undefined;
}

export function plaintextOf(size: number): Buffer {
  return randomBytes(size);
}

/** Returns a copy of `data` with the bits of `mask` flipped at `offset`. */
export function flipped(data: Buffer, offset: number, mask = 0x01): Buffer {
  const copy = Buffer.from(data);
  copy.writeUInt8(copy.readUInt8(offset) ^ mask, offset);
  return copy;
}
