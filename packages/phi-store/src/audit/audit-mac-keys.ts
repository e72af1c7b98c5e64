import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '@skillancer/database';
import {
  type AuditChainMacKeys,
  type MasterKeyring,
  sealUnkeyedPrefix,
  verifyUnkeyedPrefixSeal,
} from '@skillancer/phi-crypto';
import { PhiStoreError } from '../errors.js';
import { unwrapAuditMacKey, type WrappedAuditMacKey, wrapAuditMacKey } from './audit-mac-key-wrapping.js';

/**
 * Advisory lock taken in exclusive mode while the key is created. The trigger of migration
 * 0103_phi_audit_mac_key takes it in shared mode, under the same name, to check a plain event.
 */
const CREATION_LOCK_NAME = 'skillancer:phi_audit_mac_key_creation';
const FIRST_VERSION = 1;
const KEY_BYTES = 32;
const SEAL_PAGE_SIZE = 1000;

/** The audit MAC key that new events are hashed with. */
export interface CurrentAuditMacKey {
  version: number;
  key: Buffer;
}

/** The MAC keys a chain is verified with, or the reason it cannot be verified at all. */
export type ChainKeying =
  | { kind: 'unkeyed' }
  | { kind: 'keyed'; macKeys: AuditChainMacKeys }
  | { kind: 'invalid_prefix'; message: string };

type KeyRow = { version: number; wrapped_key: string; master_key_id: string };

/**
 * The platform-wide audit MAC keys in `phi_audit_mac_keys`, wrapped by the master keyring.
 * Unwrapped keys are cached for the life of the object. A key's bytes never change, because a
 * master key rotation only rewraps them.
 */
export class AuditMacKeys {
  readonly #db: Database;
  readonly #masterKeys: MasterKeyring;
  #current: CurrentAuditMacKey | undefined;
  /** The pending read or creation of the current key, shared by concurrent callers. */
  #creating: Promise<CurrentAuditMacKey> | undefined;
  readonly #unwrapped = new Map<number, Buffer>();

  constructor(db: Database, masterKeys: MasterKeyring) {
    this.#db = db;
    this.#masterKeys = masterKeys;
  }

  /**
   * Returns the key that new events are hashed with. The first call on a database without one
   * creates version 1 and seals the unkeyed prefix of every existing chain, race-free across
   * replicas. Throws `audit_key_unreadable` when the configured master keys cannot unwrap it.
   *
   * NOTE: on PostgreSQL, a first call inside a caller's transaction creates the key on a second
   * pooled connection. If every connection is held by such a caller, the creation waits for the
   * pool's connect timeout and the append fails; a retry then succeeds. auth-svc and skillpod-svc
   * call this once at start-up, before they serve, to avoid that.
   */
  async current(tx?: Queryable): Promise<CurrentAuditMacKey> {
    if (this.#current !== undefined) {
      return this.#current;
    }
    if (tx !== undefined) {
      const stored = await readNewest(tx);
      if (stored !== undefined) {
        const current = {
          version: stored.version,
          key: unwrapAuditMacKey(this.#masterKeys, toWrapped(stored)),
        };
        // On PostgreSQL a key is only created in a transaction of its own, so a key visible here
        // has committed. On PGlite it may be this transaction's own and could still roll back.
        if (this.#db.engine !== 'pglite') {
          this.#remember(current);
        }
        return current;
      }
      if (this.#db.engine === 'pglite') {
        // PGlite has one connection, which the caller's transaction is using, so the key is
        // created in that transaction, and not cached.
        return loadOrCreate(tx, this.#masterKeys);
      }
    }
    this.#creating ??= this.#db
      .transaction((own) => loadOrCreate(own, this.#masterKeys))
      .then((current) => {
        this.#remember(current);
        return current;
      })
      .finally(() => {
        this.#creating = undefined;
      });
    return this.#creating;
  }

  /**
   * Returns every stored key by version, or an empty map when none exists yet. Throws
   * `audit_key_unreadable` when the configured master keys cannot unwrap one.
   */
  async all(): Promise<ReadonlyMap<number, Buffer>> {
    const { rows } = await this.#db.query<KeyRow>(
      'SELECT version, wrapped_key, master_key_id FROM phi_audit_mac_keys ORDER BY version',
    );
    const keys = new Map<number, Buffer>();
    for (const row of rows) {
      let key = this.#unwrapped.get(row.version);
      if (key === undefined) {
        key = unwrapAuditMacKey(this.#masterKeys, toWrapped(row));
        this.#unwrapped.set(row.version, key);
      }
      keys.set(row.version, key);
    }
    return keys;
  }

  /**
   * Returns what a tenant's chain is verified with. Before the first key exists every chain is
   * plain SHA-256. Afterwards the chain is keyed, with the unkeyed prefix sealed at key creation,
   * or with none when the chain started later. A prefix whose seal does not verify was changed.
   */
  async chainKeying(tenantId: string): Promise<ChainKeying> {
    const keys = await this.all();
    if (keys.size === 0) {
      return { kind: 'unkeyed' };
    }
    const { rows } = await this.#db.query<{
      sequence: string;
      hash: string;
      mac_key_version: number;
      seal: string;
    }>('SELECT sequence, hash, mac_key_version, seal FROM phi_audit_unkeyed_prefixes WHERE tenant_id = $1', [
      tenantId,
    ]);
    const row = rows[0];
    if (row === undefined) {
      return { kind: 'keyed', macKeys: { keys, unkeyedPrefix: null } };
    }
    const prefix = { sequence: Number(row.sequence), hash: row.hash };
    const sealKey = keys.get(row.mac_key_version);
    if (sealKey === undefined || !verifyUnkeyedPrefixSeal(sealKey, tenantId, prefix, row.seal)) {
      return {
        kind: 'invalid_prefix',
        message: `the recorded end of the chain's unkeyed prefix (sequence ${prefix.sequence}) does not match its seal: phi_audit_unkeyed_prefixes was changed`,
      };
    }
    return { kind: 'keyed', macKeys: { keys, unkeyedPrefix: prefix } };
  }

  #remember(current: CurrentAuditMacKey): void {
    this.#unwrapped.set(current.version, current.key);
    this.#current = current;
  }

  /** Forgets the cached keys; the next call reads them again. */
  close(): void {
    this.#current = undefined;
    this.#unwrapped.clear();
  }
}

function toWrapped(row: KeyRow): WrappedAuditMacKey {
  return { version: row.version, wrappedKey: row.wrapped_key, masterKeyId: row.master_key_id };
}

async function readNewest(q: Queryable): Promise<KeyRow | undefined> {
  const { rows } = await q.query<KeyRow>(
    'SELECT version, wrapped_key, master_key_id FROM phi_audit_mac_keys ORDER BY version DESC LIMIT 1',
  );
  return rows[0];
}

/**
 * Reads the newest key, or creates version 1 in `tx`. The exclusive advisory lock makes
 * concurrent creators take turns: the second finds the first one's key. It also waits for
 * transactions that inserted plain events, so the sealed heads are the final plain ones.
 */
async function loadOrCreate(tx: Queryable, masterKeys: MasterKeyring): Promise<CurrentAuditMacKey> {
  const existing = await readNewest(tx);
  if (existing !== undefined) {
    return { version: existing.version, key: unwrapAuditMacKey(masterKeys, toWrapped(existing)) };
  }
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [CREATION_LOCK_NAME]);
  const created = await readNewest(tx);
  if (created !== undefined) {
    return { version: created.version, key: unwrapAuditMacKey(masterKeys, toWrapped(created)) };
  }

  const key = randomBytes(KEY_BYTES);
  const wrapped = wrapAuditMacKey(masterKeys, FIRST_VERSION, key);
  const { rowCount } = await tx.query(
    `INSERT INTO phi_audit_mac_keys (version, wrapped_key, master_key_id) VALUES ($1, $2, $3)
     ON CONFLICT (version) DO NOTHING`,
    [wrapped.version, wrapped.wrappedKey, wrapped.masterKeyId],
  );
  if (rowCount !== 1) {
    throw new PhiStoreError(
      'storage_inconsistent',
      'audit MAC key version 1 appeared while this process held the lock to create it',
    );
  }
  await sealUnkeyedPrefixes(tx, { version: FIRST_VERSION, key });
  return { version: FIRST_VERSION, key };
}

/** Records and seals the head of every existing chain as the end of its unkeyed prefix. */
async function sealUnkeyedPrefixes(tx: Queryable, macKey: CurrentAuditMacKey): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await tx.query<{ tenant_id: string; sequence: string; hash: string }>(
      `SELECT tenant_id, sequence, hash FROM phi_audit_chain_heads
        WHERE sequence > 0 AND tenant_id > $1 ORDER BY tenant_id LIMIT $2`,
      [after, SEAL_PAGE_SIZE],
    );
    if (rows.length > 0) {
      const seals = rows.map((row) =>
        sealUnkeyedPrefix(macKey.key, row.tenant_id, { sequence: Number(row.sequence), hash: row.hash }),
      );
      await tx.query(
        `INSERT INTO phi_audit_unkeyed_prefixes (tenant_id, sequence, hash, mac_key_version, seal)
         SELECT tenant_id, sequence, hash, $4, seal
           FROM unnest($1::text[], $2::bigint[], $3::text[], $5::text[]) AS p(tenant_id, sequence, hash, seal)`,
        [
          rows.map((row) => row.tenant_id),
          rows.map((row) => row.sequence),
          rows.map((row) => row.hash),
          macKey.version,
          seals,
        ],
      );
      after = rows.at(-1)?.tenant_id ?? after;
    }
    if (rows.length < SEAL_PAGE_SIZE) {
      return;
    }
  }
}
