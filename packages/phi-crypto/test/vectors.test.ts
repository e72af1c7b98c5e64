import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BlindIndexer,
  decryptLegacy,
  FieldEncryptor,
  InMemoryTenantKeyRepository,
  KeyManager,
  MasterKeyring,
  verifyAuditChain,
} from '../src/index.js';
import { errorCode } from './support/harness.js';
import type { VectorFile } from './vectors/vector-file.js';

const vectorDirectory = join(dirname(fileURLToPath(import.meta.url)), 'vectors');
const files = readdirSync(vectorDirectory).filter((name) => name.endsWith('.json'));

async function load(file: VectorFile) {
  const repository = new InMemoryTenantKeyRepository();
  for (const key of file.tenantKeys) {
    await repository.insertKeyVersion({
      ...key,
      wrappedKey: key.wrappedKey ?? '',
      createdAt: new Date(key.createdAt),
    });
    if (key.state !== 'active') {
      await repository.setKeyStates({
        tenantId: key.tenantId,
        purpose: key.purpose,
        versions: [key.version],
        state: key.state,
        at: new Date(key.createdAt),
      });
    }
  }
  const masterKeys = MasterKeyring.fromHex(file.masterKeys);
  const keys = new KeyManager({ masterKeys, repository });
  return { masterKeys, keys, encryptor: new FieldEncryptor({ keys }) };
}

it('has at least one committed vector file', () => {
  expect(files).toContain('phi-crypto-v1.json');
});

describe.each(files)('test vectors %s', (name) => {
  const file = JSON.parse(readFileSync(join(vectorDirectory, name), 'utf8')) as VectorFile;

  it('decrypts every field', async () => {
    const { encryptor } = await load(file);
    expect(file.fields.length).toBeGreaterThan(0);
    for (const vector of file.fields) {
      if (vector.payloadType === 'text') {
        expect(await encryptor.decrypt(vector.context, vector.ciphertext)).toBe(vector.plaintext);
      } else {
        expect(await encryptor.decryptBytes(vector.context, vector.ciphertext)).toEqual(
          Buffer.from(vector.plaintext, 'base64'),
        );
      }
    }
  });

  it('rejects every invalid field with its code', async () => {
    const { encryptor } = await load(file);
    for (const vector of file.invalidFields) {
      const code = await errorCode(() => encryptor.decrypt(vector.context, vector.ciphertext));
      expect({ description: vector.description, code }).toEqual({
        description: vector.description,
        code: vector.code,
      });
    }
  });

  it('re-encrypts old versions onto the newest one', async () => {
    const { encryptor } = await load(file);
    const vector = file.fields.find((f) => f.keyVersion === 1 && f.context.tenantId === 'tenant-a');
    if (vector === undefined) {
      throw new Error('the vector file has no version-1 value of tenant-a');
    }
    const moved = await encryptor.reencrypt(vector.context, vector.ciphertext);
    expect(moved.changed).toBe(true);
    expect(await encryptor.decrypt(vector.context, moved.ciphertext)).toBe(vector.plaintext);
  });

  it('computes the same blind indexes', async () => {
    const { keys } = await load(file);
    for (const vector of file.blindIndexes) {
      const indexer = new BlindIndexer({ keys, bits: vector.bits });
      const target =
        vector.type === null
          ? { tenantId: vector.tenantId, field: vector.field }
          : { tenantId: vector.tenantId, field: vector.field, type: vector.type };
      const candidates = await indexer.lookupCandidates(target, vector.value);
      expect(candidates).toContain(vector.index);
    }
  });

  it('verifies the audit chains', () => {
    for (const chain of file.auditChains) {
      const options = chain.keyHex === null ? {} : { key: Buffer.from(chain.keyHex, 'hex') };
      const result = verifyAuditChain(chain.events, { tenantId: chain.tenantId, ...options });
      expect(result).toMatchObject({ ok: true, verified: chain.events.length });
    }
  });

  it('decrypts the legacy values', async () => {
    const { masterKeys } = await load(file);
    for (const vector of file.legacy) {
      const legacyContext = vector.legacyContext === null ? undefined : vector.legacyContext;
      expect(
        await decryptLegacy(masterKeys, { tenantId: vector.tenantId, stored: vector.stored, legacyContext }),
      ).toBe(vector.plaintext);
    }
  });
});
