import type { Database } from '@skillancer/database';
import type { MasterKeyring } from '@skillancer/phi-crypto';
import { loadMasterKeyring } from '../../runtime/master-keyring.js';
import { type CheckResult, type DoctorContext, failed, ok, skipped, warning } from './check.js';

const CHECK = 'master key';

const ROTATE_FIX =
  'set ENCRYPTION_MASTER_KEY to the key the data was written with; to rotate to a new key, set the new key as ENCRYPTION_MASTER_KEY and the old one as ENCRYPTION_MASTER_KEY_PREVIOUS, then run `skillancer keys rotate-master`';

/**
 * Compares the configured master keys with the key check values stored in the database, read-only:
 * unlike start-up it stores nothing, even on a first run. Leaves the keyring in `context.keyring`.
 */
export async function checkMasterKey(context: DoctorContext): Promise<CheckResult> {
  let keyring: MasterKeyring;
  try {
    const loaded = await loadMasterKeyring(context.config);
    context.keyring = loaded;
    if (loaded === null) {
      return warning(
        CHECK,
        'no master key yet: ENCRYPTION_MASTER_KEY is not set, so the first start generates a development key',
        'for anything but development, set ENCRYPTION_MASTER_KEY to the output of `skillancer keys generate`',
      );
    }
    keyring = loaded.keyring;
  } catch (error) {
    return failed(CHECK, error instanceof Error ? error.message : String(error), ROTATE_FIX);
  }

  const db = context.db;
  if (db === undefined) {
    return skipped(
      CHECK,
      `${keyring.current.id} loaded; not compared with the stored check value (no database)`,
    );
  }
  if (!(await tableExists(db, 'phi_master_key_checks'))) {
    return skipped(
      CHECK,
      `${keyring.current.id} loaded; the key check table does not exist yet (pending migrations)`,
    );
  }

  const { rows } = await db.query<{ master_key_id: string; check_value: string }>(
    'SELECT master_key_id, check_value FROM phi_master_key_checks ORDER BY created_at',
  );
  if (rows.length === 0) {
    return ok(CHECK, `${keyring.current.id} loaded; no check value stored yet, the first start stores it`);
  }

  const stored = new Map(rows.map((row) => [row.master_key_id, row.check_value]));
  const matched: string[] = [];
  for (const [index, key] of keyring.keys.entries()) {
    const checkValue = stored.get(key.id);
    if (checkValue === undefined) continue;
    if (!key.verifyCheckValue(checkValue)) {
      const source = index === 0 ? 'ENCRYPTION_MASTER_KEY' : `ENCRYPTION_MASTER_KEY_PREVIOUS entry ${index}`;
      return failed(
        CHECK,
        `invalid master key: ${source} does not match the stored key check value`,
        ROTATE_FIX,
      );
    }
    matched.push(key.id);
  }
  if (matched.length === 0) {
    return failed(
      CHECK,
      `invalid master key: ENCRYPTION_MASTER_KEY (${keyring.current.id}) matches none of the master keys the data was written with (${[...stored.keys()].join(', ')})`,
      ROTATE_FIX,
    );
  }

  const unconfigured = await keysUnderUnconfiguredMasterKeys(db, keyring);
  if (unconfigured.length > 0) {
    return failed(
      CHECK,
      `invalid master key: stored keys are wrapped by master keys that are not configured: ${unconfigured.join(', ')}`,
      'add those keys to ENCRYPTION_MASTER_KEY_PREVIOUS until `skillancer keys rotate-master` has rewrapped everything',
    );
  }
  const behind = await keysUnderPreviousMasterKeys(db, keyring);
  if (behind > 0) {
    return warning(
      CHECK,
      `${keyring.current.id} matches the stored check value, but ${behind} key(s) are still wrapped by a previous master key`,
      'run `skillancer keys rotate-master` to finish the rotation',
    );
  }
  return ok(CHECK, `${keyring.current.id} matches the stored key check value`);
}

async function tableExists(db: Database, table: string): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    table,
  ]);
  return rows[0]?.exists === true;
}

/** Wrapped tenant and signing keys grouped by master key id, as "count kind under id". */
async function wrappedKeyCounts(
  db: Database,
): Promise<Array<{ masterKeyId: string; text: string; count: number }>> {
  const parts = [
    "SELECT master_key_id, 'tenant keys' AS kind, count(*) AS count FROM phi_tenant_keys WHERE state <> 'destroyed' GROUP BY master_key_id",
  ];
  const { rows: columns } = await db.query<{ exists: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.columns
       WHERE table_name = 'signing_keys' AND column_name = 'master_key_id') AS exists`,
  );
  if (columns[0]?.exists === true) {
    parts.push(
      "SELECT master_key_id, 'token signing keys' AS kind, count(*) AS count FROM signing_keys WHERE master_key_id IS NOT NULL GROUP BY master_key_id",
    );
  }
  const { rows } = await db.query<{ master_key_id: string; kind: string; count: string }>(
    parts.join(' UNION ALL '),
  );
  return rows.map((row) => ({
    masterKeyId: row.master_key_id,
    count: Number(row.count),
    text: `${row.count} ${row.kind} under ${row.master_key_id}`,
  }));
}

async function keysUnderUnconfiguredMasterKeys(db: Database, keyring: MasterKeyring): Promise<string[]> {
  if (!(await tableExists(db, 'phi_tenant_keys'))) return [];
  return (await wrappedKeyCounts(db)).filter((row) => !keyring.has(row.masterKeyId)).map((row) => row.text);
}

async function keysUnderPreviousMasterKeys(db: Database, keyring: MasterKeyring): Promise<number> {
  if (!(await tableExists(db, 'phi_tenant_keys'))) return 0;
  return (await wrappedKeyCounts(db))
    .filter((row) => row.masterKeyId !== keyring.current.id)
    .reduce((sum, row) => sum + row.count, 0);
}
