import { randomBytes } from 'node:crypto';
import { PhiCryptoError, requireArgument } from '../errors.js';
import { zeroize } from '../internal/bytes.js';
import { DATA_KEY_BYTES, type KeyPurpose, wrapKey } from './key-wrap.js';
import type { MasterKeyring } from './master-keyring.js';
import type { TenantKeyRecord, TenantKeyRepository } from './repository.js';
import { assertShredDue, type DestroyedKey, type ShredReceipt, type ShredRequest } from './shredding.js';
import { type TenantKeyInfo, toKeyInfo } from './tenant-keyring.js';

export type KeyCreationReason = 'first_use' | 'requested_rotation' | 'usage_limit';

/** A key version the manager created; the service records it in the audit trail. */
export interface KeyCreatedEvent {
  tenantId: string;
  purpose: KeyPurpose;
  version: number;
  masterKeyId: string;
  reason: KeyCreationReason;
}

/** Dependencies of the key state changes in this module, provided by the key manager. */
export interface LifecycleContext {
  masterKeys: MasterKeyring;
  repository: TenantKeyRepository;
  clock: () => number;
  cacheTtlMs: number;
  invalidate: (tenantId: string, options?: { destroy?: boolean }) => void;
  onKeyCreated: ((event: KeyCreatedEvent) => void) | undefined;
}

/** Inserts a new random key version unless it exists, in which case a concurrent writer's key wins. */
export async function createKeyVersion(
  context: LifecycleContext,
  tenantId: string,
  purpose: KeyPurpose,
  version: number,
  reason: KeyCreationReason,
): Promise<void> {
  const master = context.masterKeys.current;
  const raw = randomBytes(DATA_KEY_BYTES);
  let wrappedKey: string;
  try {
    wrappedKey = wrapKey(master, { tenantId, purpose, version }, raw);
  } finally {
    zeroize(raw);
  }
  const result = await context.repository.insertKeyVersion({
    tenantId,
    purpose,
    version,
    wrappedKey,
    masterKeyId: master.id,
    createdAt: new Date(context.clock()),
  });
  if (result === 'inserted') {
    context.onKeyCreated?.({ tenantId, purpose, version, masterKeyId: master.id, reason });
  }
}

export async function loadRecords(context: LifecycleContext, tenantId: string): Promise<TenantKeyRecord[]> {
  requireArgument(
    typeof tenantId === 'string' && tenantId.length > 0,
    'tenantId must not be empty',
    'tenantId',
  );
  return context.repository.loadTenantKeys(tenantId);
}

export function newestRecord(
  records: readonly TenantKeyRecord[],
  purpose: KeyPurpose,
): TenantKeyRecord | undefined {
  let newest: TenantKeyRecord | undefined;
  for (const record of records) {
    if (record.purpose === purpose && (newest === undefined || record.version > newest.version)) {
      newest = record;
    }
  }
  return newest;
}

export function shreddedError(tenantId: string): PhiCryptoError {
  return new PhiCryptoError(
    'key_destroyed',
    `the keys of tenant ${tenantId} were destroyed (crypto-shredded); no new keys are created for it`,
    { details: { tenantId } },
  );
}

/** See `KeyManager.setMinimumDecryptionVersion`. */
export async function setMinimumDecryptionVersion(
  context: LifecycleContext,
  tenantId: string,
  minVersion: number,
  purpose: KeyPurpose,
): Promise<TenantKeyInfo[]> {
  const records = (await loadRecords(context, tenantId)).filter((r) => r.purpose === purpose);
  const newest = newestRecord(records, purpose);
  if (newest === undefined) {
    throw new PhiCryptoError('tenant_keys_not_found', `tenant ${tenantId} has no ${purpose} keys`, {
      details: { tenantId },
    });
  }
  if (newest.state === 'destroyed') {
    throw shreddedError(tenantId);
  }
  requireArgument(
    Number.isInteger(minVersion) && minVersion >= 1 && minVersion <= newest.version,
    `minimum decryption version must be from 1 to the newest version ${newest.version}, got ${minVersion}`,
    'minVersion',
  );

  const destroyed = records
    .filter((r) => r.state === 'destroyed' && r.version >= minVersion)
    .map((r) => r.version);
  requireArgument(
    destroyed.length === 0,
    `${purpose} key versions ${destroyed.join(', ')} of tenant ${tenantId} are destroyed and cannot decrypt again; ` +
      `the minimum decryption version must be above ${Math.max(...destroyed)}`,
    'minVersion',
  );

  const toRetire = records
    .filter((r) => r.state === 'active' && r.version < minVersion)
    .map((r) => r.version);
  const toActivate = records
    .filter((r) => r.state === 'retired' && r.version >= minVersion)
    .map((r) => r.version);
  const safeAfter = newest.createdAt.getTime() + context.cacheTtlMs;
  if (toRetire.length > 0 && context.clock() < safeAfter) {
    throw new PhiCryptoError(
      'key_rotation_pending',
      `version ${newest.version} of the ${purpose} key of tenant ${tenantId} is newer than the key cache TTL, ` +
        `so other replicas may still encrypt with older versions; retry after ${new Date(safeAfter).toISOString()}`,
      { details: { tenantId, keyVersion: newest.version } },
    );
  }

  const at = new Date(context.clock());
  const changed: TenantKeyRecord[] = [];
  if (toRetire.length > 0) {
    changed.push(
      ...(await context.repository.setKeyStates({
        tenantId,
        purpose,
        versions: toRetire,
        state: 'retired',
        at,
      })),
    );
  }
  if (toActivate.length > 0) {
    changed.push(
      ...(await context.repository.setKeyStates({
        tenantId,
        purpose,
        versions: toActivate,
        state: 'active',
        at,
      })),
    );
  }
  context.invalidate(tenantId);
  return changed.map(toKeyInfo);
}

/** See `KeyManager.destroyRetiredVersions`. */
export async function destroyRetiredVersions(
  context: LifecycleContext,
  tenantId: string,
  versions: readonly number[],
  purpose: KeyPurpose,
): Promise<TenantKeyInfo[]> {
  const records = (await loadRecords(context, tenantId)).filter((r) => r.purpose === purpose);
  for (const version of versions) {
    const record = records.find((r) => r.version === version);
    requireArgument(
      record !== undefined && record.state !== 'active',
      `${purpose} key version ${version} of tenant ${tenantId} ` +
        `${record === undefined ? 'does not exist' : 'is active'}; only retired versions can be destroyed`,
      'versions',
    );
  }
  const at = new Date(context.clock());
  const changed = await context.repository.setKeyStates({
    tenantId,
    purpose,
    versions,
    state: 'destroyed',
    at,
  });
  context.invalidate(tenantId);
  return changed.map(toKeyInfo);
}

/** See `KeyManager.shredTenant`. */
export async function shredTenant(
  context: LifecycleContext,
  tenantId: string,
  request: ShredRequest | undefined,
): Promise<ShredReceipt> {
  const now = new Date(context.clock());
  if (request !== undefined) {
    requireArgument(
      request.tenantId === tenantId,
      `the shred request is for tenant ${request.tenantId}, not ${tenantId}`,
      'request',
    );
    assertShredDue(request, now);
  }

  // Zero this process's copy first, so no operation here uses the keys while the rows change.
  context.invalidate(tenantId, { destroy: true });
  const records = await loadRecords(context, tenantId);
  const destroyed: DestroyedKey[] = [];
  for (const purpose of ['data', 'index'] as const) {
    const live = records.filter((r) => r.purpose === purpose && r.state !== 'destroyed');
    if (live.length === 0) {
      continue;
    }
    const versions = live.map((r) => r.version);
    const changed = await context.repository.setKeyStates({
      tenantId,
      purpose,
      versions,
      state: 'destroyed',
      at: now,
    });
    for (const record of changed) {
      const before = live.find((r) => r.version === record.version);
      destroyed.push({
        purpose,
        version: record.version,
        masterKeyId: record.masterKeyId,
        createdAt: record.createdAt,
        stateBefore: before?.state === 'retired' ? 'retired' : 'active',
      });
    }
  }
  // A load that read the rows before the update may have cached live keys meanwhile.
  context.invalidate(tenantId, { destroy: true });

  return {
    tenantId,
    destroyedAt: now,
    destroyed,
    alreadyDestroyed: records.filter((r) => r.state === 'destroyed').length,
    request,
  };
}
