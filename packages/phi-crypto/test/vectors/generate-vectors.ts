/**
 * Writes a new test-vector file from the current code. Run once per format change, commit the
 * output and never regenerate an existing file: `vectors.test.ts` proves that every later
 * release still reads what this release wrote.
 *
 *   npx tsx packages/phi-crypto/test/vectors/generate-vectors.ts phi-crypto-v1.json
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  appendAuditEvent,
  BlindIndexer,
  type ChainedAuditEvent,
  type FieldContext,
  FieldEncryptor,
  InMemoryTenantKeyRepository,
  KeyManager,
  MasterKeyring,
} from '../../src/index.js';
import { encryptLegacyReference } from '../support/legacy-reference.js';
import type { VectorFile } from './vector-file.js';

const vectorDirectory = dirname(fileURLToPath(import.meta.url));
const target = join(vectorDirectory, process.argv[2] ?? 'phi-crypto-v1.json');
if (existsSync(target)) {
  throw new Error(`${target} exists; committed vectors are never regenerated, write a new file instead`);
}

const MASTER_OLD = 'a1'.repeat(16) + '5e'.repeat(16);
const MASTER_NEW = '0f'.repeat(8) + 'c4'.repeat(24);
const repository = new InMemoryTenantKeyRepository();
let now = Date.parse('2025-01-01T00:00:00.000Z');
const clock = () => now;

function toolsFor(masterKeys: MasterKeyring) {
  const keys = new KeyManager({ masterKeys, repository, clock, cache: { ttlMs: 1000 } });
  return { keys, encryptor: new FieldEncryptor({ keys }), indexer: new BlindIndexer({ keys }) };
}

const fields: VectorFile['fields'] = [];
async function addText(encryptor: FieldEncryptor, context: FieldContext, plaintext: string): Promise<string> {
  const ciphertext = await encryptor.encrypt(context, plaintext);
  fields.push({
    context,
    payloadType: 'text',
    plaintext,
    ciphertext,
    keyVersion: Buffer.from(ciphertext, 'base64url').readUInt32BE(1),
  });
  return ciphertext;
}

const ctx = (tenantId: string, recordId: string, field: string): FieldContext => ({
  tenantId,
  recordType: 'patient_profile',
  recordId,
  field,
});

// Tenant A: keys under the old master key, data key rotated once, index key rotated once.
const old = toolsFor(MasterKeyring.fromHex({ current: MASTER_OLD }));
const ssnA = await addText(old.encryptor, ctx('tenant-a', 'rec-1', 'ssn'), '123456789');
await addText(old.encryptor, ctx('tenant-a', 'rec-1', 'name'), 'Zoë Ångström-O’Brien 🩺');
await addText(old.encryptor, ctx('tenant-a', 'rec-2', 'notes'), 'x'.repeat(4096));
const indexV1 = await old.indexer.compute(
  { tenantId: 'tenant-a', field: 'patient_profile.ssn', type: 'ssn' },
  '123-45-6789',
);
now += 5000;
await old.keys.rotate('tenant-a', 'data');
await old.keys.rotate('tenant-a', 'index');
await addText(old.encryptor, ctx('tenant-a', 'rec-3', 'ssn'), '234567890');

// Tenant B: created after the master key rotation, so wrapped by the new key.
const rotated = toolsFor(MasterKeyring.fromHex({ current: MASTER_NEW, previous: [MASTER_OLD] }));
await addText(rotated.encryptor, ctx('tenant-b', 'rec-1', 'email'), 'jane.doe@example.com');
const bytesContext = ctx('tenant-b', 'rec-1', 'signature');
const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0xc3, 0x28]);
const bytesCiphertext = await rotated.encryptor.encryptBytes(bytesContext, bytes);
fields.push({
  context: bytesContext,
  payloadType: 'bytes',
  plaintext: bytes.toString('base64'),
  ciphertext: bytesCiphertext,
  keyVersion: 1,
});

// Tenant C: shredded after writing one value.
const shredded = await rotated.encryptor.encrypt(ctx('tenant-c', 'rec-1', 'ssn'), '345678901');
await rotated.keys.shredTenant('tenant-c');

function withByte(ciphertext: string, offset: number, change: (byte: number) => number): string {
  const raw = Buffer.from(ciphertext, 'base64url');
  raw[offset] = change(raw[offset] ?? 0);
  return raw.toString('base64url');
}
const ssnBytes = Buffer.from(ssnA, 'base64url');
const invalidFields: VectorFile['invalidFields'] = [
  {
    description: 'tag bit flipped',
    context: ctx('tenant-a', 'rec-1', 'ssn'),
    ciphertext: withByte(ssnA, ssnBytes.length - 1, (b) => b ^ 1),
    code: 'decryption_failed',
  },
  {
    description: 'moved to another record',
    context: ctx('tenant-a', 'rec-9', 'ssn'),
    ciphertext: ssnA,
    code: 'decryption_failed',
  },
  {
    description: 'moved to another tenant',
    context: ctx('tenant-b', 'rec-1', 'ssn'),
    ciphertext: ssnA,
    code: 'key_commitment_mismatch',
  },
  {
    description: 'format version 2',
    context: ctx('tenant-a', 'rec-1', 'ssn'),
    ciphertext: withByte(ssnA, 0, () => 2),
    code: 'unsupported_format_version',
  },
  {
    description: 'truncated',
    context: ctx('tenant-a', 'rec-1', 'ssn'),
    ciphertext: ssnBytes.subarray(0, 40).toString('base64url'),
    code: 'ciphertext_truncated',
  },
  {
    description: 'shredded tenant',
    context: ctx('tenant-c', 'rec-1', 'ssn'),
    ciphertext: shredded,
    code: 'key_destroyed',
  },
];

const blindIndexes: VectorFile['blindIndexes'] = [
  {
    tenantId: 'tenant-a',
    field: 'patient_profile.ssn',
    type: 'ssn',
    bits: 256,
    value: '123-45-6789',
    index: indexV1,
  },
];
for (const [field, type, value, bits] of [
  ['patient_profile.ssn', 'ssn', '123 45 6789', 256],
  ['patient_profile.email', 'email', 'Jane.Doe@Example.com', 64],
  ['patient_profile.name', 'name', 'José O’Brien', 256],
  ['note.keyword', null, 'diabetes', 128],
] as const) {
  const indexer = new BlindIndexer({ keys: old.keys, bits });
  const target = type === null ? { tenantId: 'tenant-a', field } : { tenantId: 'tenant-a', field, type };
  blindIndexes.push({
    tenantId: 'tenant-a',
    field,
    type,
    bits,
    value,
    index: await indexer.compute(target, value),
  });
}

function buildChain(keyHex: string | null): VectorFile['auditChains'][number] {
  const events: ChainedAuditEvent[] = [];
  const options = keyHex === null ? {} : { key: Buffer.from(keyHex, 'hex') };
  for (let n = 0; n < 4; n += 1) {
    events.push(
      appendAuditEvent(
        events.at(-1) ?? null,
        {
          tenantId: 'tenant-a',
          occurredAt: new Date(Date.UTC(2025, 0, 2, 3, 4, n, 567)).toISOString(),
          actor: { type: 'user', id: `user-${n}` },
          action: ['phi.encrypt', 'phi.decrypt', 'keys.rotate', 'tenant.shred'][n] ?? 'phi.decrypt',
          resource: { type: 'patient_profile', id: `rec-${n}` },
          purpose: n === 3 ? 'break_glass' : 'treatment',
          outcome: n === 2 ? 'denied' : 'success',
          keyVersion: n === 3 ? null : 1,
        },
        options,
      ),
    );
  }
  return { tenantId: 'tenant-a', keyHex, events };
}

const legacyContext = { userId: 'u-17', field: 'ssn' };
const legacy: VectorFile['legacy'] = [
  {
    tenantId: 'tenant-a',
    legacyContext: null,
    stored: encryptLegacyReference(MASTER_OLD, 'tenant-a', 'Jane Doe'),
    plaintext: 'Jane Doe',
  },
  {
    tenantId: 'tenant-a',
    legacyContext,
    stored: encryptLegacyReference(MASTER_OLD, 'tenant-a', '123-45-6789', legacyContext),
    plaintext: '123-45-6789',
  },
];

const records = [
  ...(await repository.loadTenantKeys('tenant-a')),
  ...(await repository.loadTenantKeys('tenant-b')),
  ...(await repository.loadTenantKeys('tenant-c')),
];
const packageJson = JSON.parse(readFileSync(join(vectorDirectory, '../../package.json'), 'utf8')) as {
  version: string;
};
const file: VectorFile = {
  description:
    'Values written by this release of @skillancer/phi-crypto. Every later release must decrypt them; never edit or regenerate this file.',
  generatedBy: `@skillancer/phi-crypto ${packageJson.version}`,
  generatedAt: new Date().toISOString(),
  masterKeys: { current: MASTER_NEW, previous: [MASTER_OLD] },
  tenantKeys: records.map((r) => ({
    tenantId: r.tenantId,
    purpose: r.purpose,
    version: r.version,
    state: r.state,
    wrappedKey: r.wrappedKey,
    masterKeyId: r.masterKeyId,
    createdAt: r.createdAt.toISOString(),
  })),
  fields,
  invalidFields,
  blindIndexes,
  auditChains: [buildChain(null), buildChain('5a'.repeat(32))],
  legacy,
};
writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
console.log(`wrote ${target}`);
