import { userInfo } from 'node:os';
import { loadConfig, type PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import { createPhiStore, isUuid, type PhiStore, verifyMasterKeys } from '@skillancer/phi-store';
import { CliError, type CliIo } from '../../runtime/io.js';
import { type LoadedKeyring, requireMasterKeyring } from '../../runtime/master-keyring.js';
import { openOperationsDatabase } from '../../runtime/operations-database.js';

/** The actor recorded in audit events of operations commands. */
export interface Actor {
  type: string;
  id: string;
}

/** An open PHI store for one command, with what it was built from. */
export interface PhiSession {
  config: PlatformConfig;
  db: Database;
  keyring: LoadedKeyring;
  store: PhiStore;
}

/** Returns the audit actor: `--actor` when given, else `cli:<login name>`. */
export function operatorActor(name: string | undefined): Actor {
  if (name !== undefined) return { type: 'operator', id: name };
  let login = 'unknown';
  try {
    login = userInfo().username;
  } catch {
    // A container user without a passwd entry has no login name.
  }
  return { type: 'operator', id: `cli:${login}` };
}

/**
 * Opens the database and the PHI store with the configured master keys, runs `work` and closes both.
 * Unless `verify` is false, the keys are first checked against the stored key check values (which
 * stores the first one, as a service start would), so a wrong key stops before anything is written.
 */
export async function withPhiStore<T>(
  io: CliIo,
  work: (session: PhiSession) => Promise<T>,
  options: { verify?: boolean } = {},
): Promise<T> {
  const config = loadConfig(io.env, io.cwd);
  const keyring = await requireMasterKeyring(config);
  const db = await openOperationsDatabase(config, io);
  const store = createPhiStore({ db, masterKeys: keyring.keyring });
  try {
    if (options.verify ?? true) await verifyMasterKeys(db, keyring.keyring);
    return await work({ config, db, keyring, store });
  } finally {
    store.close();
    keyring.keyring.destroy();
    await db.close();
  }
}

/** Throws a usage error unless `tenantId` is a UUID, the form of every tenant id with PHI. */
export function requireTenantId(tenantId: string): string {
  if (!isUuid(tenantId)) throw new CliError(`tenant id must be a UUID, got ${JSON.stringify(tenantId)}`);
  return tenantId.toLowerCase();
}

/** Lists tenant ids that have at least one PHI record, page by page, for jobs over every tenant. */
export async function* tenantsWithRecords(db: Database): AsyncGenerator<string> {
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: Array<{ tenant_id: string }> } = await db.query<{ tenant_id: string }>(
      `SELECT DISTINCT tenant_id::text AS tenant_id FROM phi_records
        WHERE $1::uuid IS NULL OR tenant_id > $1::uuid ORDER BY tenant_id LIMIT 100`,
      [after],
    );
    for (const row of rows) yield row.tenant_id;
    if (rows.length < 100) return;
    after = rows[rows.length - 1]?.tenant_id ?? null;
  }
}
