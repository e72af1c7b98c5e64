import type { Database, DependencyObserver } from '@skillancer/database';
import {
  BlindIndexer,
  FieldEncryptor,
  type KeyCreatedEvent,
  KeyManager,
  type MasterKeyring,
  Tokenizer,
} from '@skillancer/phi-crypto';
import { AuditMacKeys } from './audit/audit-mac-keys.js';
import { AuditTrail } from './audit/audit-trail.js';
import type { AuditEventInput } from './audit/audit-types.js';
import { SqlTenantKeyRepository } from './keys/sql-tenant-key-repository.js';
import { PhiRecordRepository } from './records/phi-record-repository.js';
import { ShredRequestStore } from './shred/shred-requests.js';
import { SqlTokenVault } from './tokens/sql-token-vault.js';

/** Actor of events written by the store itself, such as keys created on first use. */
export const SYSTEM_ACTOR = { type: 'system', id: 'phi-store' } as const;

/** Tenant id of the chain that records platform-wide operations, such as a master key rotation. */
export const SYSTEM_AUDIT_TENANT = 'system';

export interface PhiStoreOptions {
  db: Database;
  masterKeys: MasterKeyring;
  /** Called once per tenant key repository and token vault call. */
  observer?: DependencyObserver;
  /** Milliseconds since the epoch for keys, audit events and shred deadlines; injectable for tests. */
  clock?: () => number;
  /** Key cache TTL in milliseconds; default 5 minutes (see KeyManager). */
  keyCacheTtlMs?: number;
  /** Encryptions per data key version before it rotates; default the KeyManager default (2^30). */
  rotateAfterEncryptions?: number;
  /**
   * Receives failures of work that runs after the call that caused it returned: the audit events
   * of keys created on first use or at the usage limit. Services log them.
   */
  onBackgroundError?: (error: unknown) => void;
}

/** The PHI protection objects one process shares, all on one database and one master keyring. */
export interface PhiStore {
  readonly db: Database;
  readonly masterKeys: MasterKeyring;
  readonly clock: () => number;
  readonly tenantKeys: SqlTenantKeyRepository;
  readonly keys: KeyManager;
  readonly encryptor: FieldEncryptor;
  readonly indexer: BlindIndexer;
  readonly tokenizer: Tokenizer;
  readonly tokenVault: SqlTokenVault;
  /** The audit MAC keys, wrapped by `masterKeys`, that `audit` hashes and verifies events with. */
  readonly auditMacKeys: AuditMacKeys;
  readonly audit: AuditTrail;
  readonly records: PhiRecordRepository;
  readonly shredRequests: ShredRequestStore;
  /**
   * Zeroes the cached tenant keys and clears the cached audit MAC keys. The database and the
   * master keys stay open, because their owner closes them.
   */
  close(): void;
}

/** Builds the store. Call `verifyMasterKeys` first, so a wrong master key stops the process early. */
export function createPhiStore(options: PhiStoreOptions): PhiStore {
  const clock = options.clock ?? Date.now;
  const auditMacKeys = new AuditMacKeys(options.db, options.masterKeys);
  const audit = new AuditTrail(options.db, { clock, macKeys: auditMacKeys });
  const tenantKeys = new SqlTenantKeyRepository(options.db);
  const keys = new KeyManager({
    masterKeys: options.masterKeys,
    repository: tenantKeys,
    clock,
    observer: options.observer,
    ...(options.keyCacheTtlMs === undefined ? {} : { cache: { ttlMs: options.keyCacheTtlMs } }),
    ...(options.rotateAfterEncryptions === undefined
      ? {}
      : { rotateAfterEncryptions: options.rotateAfterEncryptions }),
    onKeyCreated: (event) => {
      // `rotateTenantKey` records requested rotations itself, with the operator as the actor.
      if (event.reason !== 'requested_rotation') {
        audit.append(keyCreatedEvent(event)).catch((error: unknown) => options.onBackgroundError?.(error));
      }
    },
  });
  const encryptor = new FieldEncryptor({ keys });
  const indexer = new BlindIndexer({ keys });
  const tokenVault = new SqlTokenVault(options.db);
  const tokenizer = new Tokenizer({
    vault: tokenVault,
    encryptor,
    indexer,
    clock,
    observer: options.observer,
  });
  return {
    db: options.db,
    masterKeys: options.masterKeys,
    clock,
    tenantKeys,
    keys,
    encryptor,
    indexer,
    tokenizer,
    tokenVault,
    auditMacKeys,
    audit,
    records: new PhiRecordRepository(options.db),
    shredRequests: new ShredRequestStore(options.db),
    close: () => {
      keys.close();
      auditMacKeys.close();
    },
  };
}

function keyCreatedEvent(event: KeyCreatedEvent): AuditEventInput {
  return {
    tenantId: event.tenantId,
    actor: SYSTEM_ACTOR,
    action: event.reason === 'first_use' ? 'key.create' : 'key.rotate',
    resource: { type: 'tenant_key', id: `${event.purpose}:${event.version}` },
    purpose: event.reason,
    outcome: 'success',
    keyVersion: event.purpose === 'data' ? event.version : null,
    details: { masterKeyId: event.masterKeyId, keyPurpose: event.purpose },
  };
}
