import { advisoryLockKey, type Database, type Queryable } from '@skillancer/database';
import type { MasterKey, MasterKeyring } from '@skillancer/phi-crypto';
import { PhiStoreError } from '../errors.js';

/** Serializes start-up checks of replicas that start at once, so only one stores a first check value. */
const CHECK_LOCK = advisoryLockKey('skillancer:phi_master_key_checks');

export interface MasterKeyVerification {
  currentMasterKeyId: string;
  /**
   * `first_start`: the database had no check value, so the current key's was stored.
   * `new_current_key`: a previous key matched and the current key's check value was added (a master key rotation began).
   * `verified`: the current key matched its stored check value.
   */
  outcome: 'first_start' | 'new_current_key' | 'verified';
  /** Master key ids with a stored check value, after this call. */
  storedMasterKeyIds: string[];
}

/** Names the variable a key came from, for messages an operator acts on. */
function sourceOf(masterKeys: MasterKeyring, key: MasterKey): string {
  if (key.id === masterKeys.current.id) {
    return 'ENCRYPTION_MASTER_KEY';
  }
  const position = masterKeys.keys.findIndex((k) => k.id === key.id);
  return `ENCRYPTION_MASTER_KEY_PREVIOUS (entry ${position})`;
}

/**
 * Checks the configured master keys against the check values stored in `phi_master_key_checks`
 * and against the master key ids recorded beside wrapped tenant keys, token signing keys and
 * audit MAC keys.
 * Call it at start-up before any data is read or written. Throws `master_key_mismatch` with a
 * message that names ENCRYPTION_MASTER_KEY or ENCRYPTION_MASTER_KEY_PREVIOUS.
 *
 * The first start stores the current key's check value. When the current key has none but a
 * previous key matches, the current key's value is added, because that is how a master key
 * rotation starts (new key current, old key previous).
 */
export async function verifyMasterKeys(
  db: Database,
  masterKeys: MasterKeyring,
): Promise<MasterKeyVerification> {
  const verification = await db.transaction((tx) => checkAndStore(tx, masterKeys));
  await assertWrappingKeysConfigured(db, masterKeys);
  return verification;
}

async function checkAndStore(tx: Queryable, masterKeys: MasterKeyring): Promise<MasterKeyVerification> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [CHECK_LOCK]);
  const { rows } = await tx.query<{ master_key_id: string; check_value: string }>(
    'SELECT master_key_id, check_value FROM phi_master_key_checks ORDER BY created_at, master_key_id',
  );
  const stored = new Map(rows.map((row) => [row.master_key_id, row.check_value]));
  const current = masterKeys.current;

  const matched: string[] = [];
  for (const key of masterKeys.keys) {
    const checkValue = stored.get(key.id);
    if (checkValue === undefined) {
      continue;
    }
    if (!key.verifyCheckValue(checkValue)) {
      throw new PhiStoreError(
        'master_key_mismatch',
        `${sourceOf(masterKeys, key)} has the id ${key.id} of a stored master key but not its check value, ` +
          'so it is a different key; restore the key the data was written with',
      );
    }
    matched.push(key.id);
  }

  let outcome: MasterKeyVerification['outcome'] = 'verified';
  if (stored.size > 0 && matched.length === 0) {
    throw new PhiStoreError(
      'master_key_mismatch',
      `ENCRYPTION_MASTER_KEY (master key ${current.id}) matches none of the master keys the data was written ` +
        `with (${[...stored.keys()].join(', ')}), and neither does any key in ENCRYPTION_MASTER_KEY_PREVIOUS. ` +
        'Set ENCRYPTION_MASTER_KEY to the key the data was written with; to rotate to a new key, set the new ' +
        'key as ENCRYPTION_MASTER_KEY and the old one as ENCRYPTION_MASTER_KEY_PREVIOUS',
    );
  }
  if (!stored.has(current.id)) {
    await tx.query(
      `INSERT INTO phi_master_key_checks (master_key_id, check_value) VALUES ($1, $2)
       ON CONFLICT (master_key_id) DO NOTHING`,
      [current.id, current.checkValue],
    );
    outcome = stored.size === 0 ? 'first_start' : 'new_current_key';
    matched.push(current.id);
  }
  await tx.query(
    'UPDATE phi_master_key_checks SET last_verified_at = now() WHERE master_key_id = ANY($1::text[])',
    [matched],
  );
  return {
    currentMasterKeyId: current.id,
    outcome,
    storedMasterKeyIds: [...new Set([...stored.keys(), current.id])],
  };
}

/**
 * Throws when live tenant keys, token signing keys or audit MAC keys are wrapped by a master key
 * that is not configured, which happens when a previous key was removed before the rewrap finished.
 */
async function assertWrappingKeysConfigured(db: Database, masterKeys: MasterKeyring): Promise<void> {
  const { rows } = await db.query<{ master_key_id: string; kind: string; count: string }>(
    `SELECT master_key_id, 'tenant keys' AS kind, count(*) AS count FROM phi_tenant_keys
      WHERE state <> 'destroyed' GROUP BY master_key_id
     UNION ALL
     SELECT master_key_id, 'token signing keys' AS kind, count(*) AS count FROM signing_keys
      WHERE master_key_id IS NOT NULL GROUP BY master_key_id
     UNION ALL
     SELECT master_key_id, 'audit MAC keys' AS kind, count(*) AS count FROM phi_audit_mac_keys
      GROUP BY master_key_id`,
  );
  const missing = rows.filter((row) => !masterKeys.has(row.master_key_id));
  if (missing.length === 0) {
    return;
  }
  const list = missing.map((row) => `${row.count} ${row.kind} under ${row.master_key_id}`).join(', ');
  throw new PhiStoreError(
    'master_key_mismatch',
    `stored keys are wrapped by master keys that are not configured: ${list}. Add those keys to ` +
      'ENCRYPTION_MASTER_KEY_PREVIOUS until `skillancer keys rotate-master` has rewrapped everything ' +
      `under the current ENCRYPTION_MASTER_KEY (${masterKeys.current.id})`,
  );
}
