export { type AuditMacKeyRewrapSummary, rewrapAuditMacKeys } from './audit/audit-mac-key-wrapping.js';
export { AuditMacKeys, type ChainKeying, type CurrentAuditMacKey } from './audit/audit-mac-keys.js';
export { AuditTrail, type AuditTrailOptions } from './audit/audit-trail.js';
export type {
  AuditChainHead,
  AuditDetails,
  AuditDetailValue,
  AuditEventInput,
  StoredAuditEvent,
} from './audit/audit-types.js';
export { isPhiStoreError, isUuid, PhiStoreError, type PhiStoreErrorCode } from './errors.js';
export { type MasterKeyVerification, verifyMasterKeys } from './keys/master-key-check.js';
export { SqlTenantKeyRepository } from './keys/sql-tenant-key-repository.js';
export {
  type AuditVerificationOptions,
  type AuditVerificationProgress,
  type AuditVerificationSummary,
  type BrokenChain,
  verifyAuditChains,
} from './maintenance/audit-verification.js';
export {
  type MasterRotationOptions,
  type MasterRotationSummary,
  retireKeyVersions,
  rotateMasterKey,
  rotateTenantKey,
} from './maintenance/key-rotation.js';
export {
  type KeyStatus,
  readKeyStatus,
  type StoredCheckValue,
  type TenantKeySummary,
} from './maintenance/key-status.js';
export {
  type LegacyMigrationFailure,
  type LegacyMigrationProgress,
  type LegacyMigrationSummary,
  type LegacyRecordMigrationOptions,
  migrateLegacyRecords,
} from './maintenance/legacy-migration.js';
export {
  listKeyedTenants,
  type ReencryptFailure,
  type ReencryptOptions,
  type ReencryptProgress,
  type ReencryptSummary,
  reencryptTenant,
} from './maintenance/reencrypt.js';
export { shredTenantNow } from './maintenance/shred-now.js';
export {
  createPhiStore,
  type PhiStore,
  type PhiStoreOptions,
  SYSTEM_ACTOR,
  SYSTEM_AUDIT_TENANT,
} from './phi-store.js';
export {
  type BlindIndexEntry,
  blindIndexField,
  type NewPhiRecord,
  type PhiRecord,
  type PhiRecordChange,
  PhiRecordRepository,
  type RecordTypeFilter,
  recordFieldContext,
  requireRecordType,
} from './records/phi-record-repository.js';
export {
  type ErasedObjectPurgeDependencies,
  type ErasedObjectPurgeReport,
  type PurgeLogger,
  purgeErasedObjects,
} from './shred/erased-object-purge.js';
export {
  defineErasedObjectPurge,
  type ErasedObjectPurge,
  type ErasedObjectPurgeMessages,
  type ErasedObjectPurgeSpec,
  PURGE_MARKER_COLUMNS,
  type PurgeMarkerColumn,
} from './shred/erased-object-purge-definition.js';
export { ErasedObjectPurgeMetrics } from './shred/erased-object-purge-metrics.js';
export {
  type ExecutedShred,
  executeDueShreds,
  executeShredRequest,
  SHRED_JOB_LOCK,
  type ShredFailure,
  type ShredRunOptions,
  type ShredRunProgress,
  type ShredRunSummary,
} from './shred/execute-shreds.js';
export { cancelTenantShred, type RequestShredInput, requestTenantShred } from './shred/shred-lifecycle.js';
export {
  type NewShredRequest,
  ShredRequestStore,
  type ShredScope,
  type StoredShredRequest,
  toShredRequest,
} from './shred/shred-requests.js';
export { type ErasureCounts, eraseTenantData } from './shred/tenant-erasure.js';
export {
  rewrapSigningKeys,
  type SigningKeyRewrapSummary,
  unwrapSigningKeySeed,
  type WrappedSigningKey,
  wrapSigningKeySeed,
} from './signing-keys/signing-key-wrapping.js';
export { SqlTokenVault } from './tokens/sql-token-vault.js';
