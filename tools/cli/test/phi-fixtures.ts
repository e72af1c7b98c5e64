import { createCipheriv, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, recordFieldContext, verifyMasterKeys } from '@skillancer/phi-store';

/** One PHI record as the test wrote it, with its plaintext fields. */
export interface SeededRecord {
  id: string;
  tenantId: string;
  recordType: string;
  plaintext: Record<string, string>;
}

const RECORD_TYPE = 'patient';

export async function insertTenant(db: Database): Promise<string> {
  const tenantId = randomUUID();
  await db.query("INSERT INTO tenants (id, name, kind) VALUES ($1, 'Clinic', 'organization')", [tenantId]);
  return tenantId;
}

/**
 * Creates `tenants` tenants with `records` PHI records each (two encrypted fields per record) under
 * the master key `keyHex`, the way auth-svc stores them, and returns the plaintexts.
 */
export async function seedPhi(
  db: Database,
  keyHex: string,
  counts: { tenants: number; records: number },
): Promise<SeededRecord[]> {
  const masterKeys = MasterKeyring.fromHex({ current: keyHex });
  await verifyMasterKeys(db, masterKeys);
  const store = createPhiStore({ db, masterKeys });
  const seeded: SeededRecord[] = [];
  try {
    for (let t = 0; t < counts.tenants; t += 1) {
      const tenantId = await insertTenant(db);
      for (let r = 0; r < counts.records; r += 1) {
        const record = { id: randomUUID(), tenantId, recordType: RECORD_TYPE };
        const plaintext = {
          ssn: `123-45-${String(1000 + r)}`,
          phone: `+1 555 010 ${String(r).padStart(4, '0')}`,
        };
        const fields: Record<string, string> = {};
        for (const [field, value] of Object.entries(plaintext)) {
          fields[field] = await store.encryptor.encrypt(recordFieldContext(record, field), value);
        }
        await store.records.insert({ ...record, fields, createdBy: null }, []);
        seeded.push({ ...record, plaintext });
      }
      await store.audit.append({
        tenantId,
        actor: { type: 'user', id: randomUUID() },
        action: 'phi.encrypt',
        resource: { type: 'phi_record', id: randomUUID() },
        purpose: 'record_create',
        outcome: 'success',
      });
    }
  } finally {
    store.close();
  }
  return seeded;
}

/** Decrypts every seeded record with only the given keys and returns the fields that failed or differ. */
export async function unreadable(
  db: Database,
  keys: { current: string; previous?: string[] },
  records: readonly SeededRecord[],
): Promise<string[]> {
  const store = createPhiStore({ db, masterKeys: MasterKeyring.fromHex(keys) });
  const problems: string[] = [];
  try {
    for (const record of records) {
      const stored = await store.records.get(record.tenantId, record.id);
      for (const [field, expected] of Object.entries(record.plaintext)) {
        const ciphertext = stored?.fields[field];
        try {
          const actual =
            ciphertext === undefined
              ? undefined
              : await store.encryptor.decrypt(recordFieldContext(record, field), ciphertext);
          if (actual !== expected) problems.push(`${record.id}.${field}: got ${String(actual)}`);
        } catch (error) {
          problems.push(`${record.id}.${field}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  } finally {
    store.close();
  }
  return problems;
}

/**
 * Encrypts like the earlier implementation, written here with Node's crypto directly and not with
 * the library: AES-256-GCM under PBKDF2-SHA256(master key, salt ‖ tenant id, 100 000 iterations),
 * a 16-byte IV, and the JSON envelope with `encryptedKey` holding the salt.
 */
export function legacyCiphertext(
  masterKeyHex: string,
  tenantId: string,
  plaintext: string,
  context?: unknown,
): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(
    Buffer.from(masterKeyHex, 'hex'),
    Buffer.concat([salt, Buffer.from(tenantId, 'utf8')]),
    100_000,
    32,
    'sha256',
  );
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  if (context !== undefined) cipher.setAAD(Buffer.from(JSON.stringify(context), 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return JSON.stringify({
    encryptedData: encrypted.toString('base64'),
    encryptedKey: salt.toString('base64'),
    iv: iv.toString('base64'),
    authTag: cipher.getAuthTag().toString('base64'),
    algorithm: 'aes-256-gcm',
    keyId: `tenant:${tenantId}`,
  });
}
