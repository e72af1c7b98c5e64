export {
  type AuditChainMacKeys,
  type AuditChainOptions,
  AuditChainVerifier,
  appendAuditEvent,
  type ChainBreak,
  type ChainBreakReason,
  type ChainVerification,
  GENESIS_HASH,
  hashAuditEvent,
  type VerifyAuditChainOptions,
  verifyAuditChain,
  verifyAuditChainAsync,
} from './audit-chain/audit-chain.js';
export {
  type AuditEvent,
  assertAuditEvent,
  type ChainedAuditEvent,
  canonicalAuditEvent,
} from './audit-chain/audit-event.js';
export {
  sealUnkeyedPrefix,
  type UnkeyedPrefix,
  verifyUnkeyedPrefixSeal,
} from './audit-chain/unkeyed-prefix.js';
export { type BatchItemResult, type BatchOptions, type BatchProgress, runInSlices } from './batch.js';
export { BlindIndexer, type BlindIndexerOptions, type BlindIndexTarget } from './blind-index.js';
export {
  isPhiCryptoError,
  PhiCryptoError,
  type PhiCryptoErrorCode,
  type PhiCryptoErrorOptions,
} from './errors.js';
export {
  DEFAULT_MAX_PLAINTEXT_BYTES,
  FieldEncryptor,
  type FieldEncryptorOptions,
  type FieldItem,
  type ReencryptResult,
} from './field-encryptor.js';
export { assertFieldContext, encodeFieldContext, type FieldContext } from './format/field-context.js';
export {
  FieldEnvelope,
  FORMAT_VERSION,
  isFieldCiphertext,
  PayloadType,
  parseFieldCiphertext,
  readKeyVersion,
} from './format/field-format.js';
export {
  DEFAULT_ROTATE_AFTER_ENCRYPTIONS,
  DEFAULT_USAGE_RESERVATION,
  GCM_RANDOM_NONCE_LIMIT,
  type KeyCreatedEvent,
  type KeyCreationReason,
  KeyManager,
  type KeyManagerOptions,
} from './keys/key-manager.js';
export { DataKey, IndexKey } from './keys/key-material.js';
export { type KeyBinding, type KeyPurpose, unwrapKey, wrapKey } from './keys/key-wrap.js';
export { MasterKey } from './keys/master-key.js';
export { MasterKeyring, type MasterKeyringHex } from './keys/master-keyring.js';
export {
  type MasterKeyStatus,
  type RewrapFailure,
  type RewrapOptions,
  type RewrapProgress,
  type RewrapSummary,
  rewrapTenantKeys,
} from './keys/master-rotation.js';
export { InMemoryTenantKeyRepository } from './keys/memory-repository.js';
export type {
  KeyPageRequest,
  KeyState,
  KeyStateChange,
  MasterKeyUsage,
  NewTenantKey,
  TenantKeyRecord,
  TenantKeyRef,
  TenantKeyRepository,
  WrappedKeyReplacement,
} from './keys/repository.js';
export {
  assertShredDue,
  type CreateShredRequestInput,
  createShredRequest,
  DEFAULT_SHRED_WAITING_DAYS,
  type DestroyedKey,
  type ShredReceipt,
  type ShredRequest,
} from './keys/shredding.js';
export type { TenantKeyInfo } from './keys/tenant-keyring.js';
export {
  decryptLegacy,
  deriveLegacyKey,
  LEGACY_PBKDF2_ITERATIONS,
  type LegacyDecryptInput,
} from './legacy/legacy-decrypt.js';
export {
  isLegacyCiphertext,
  type LegacyCiphertext,
  type LegacyCiphertextJson,
  parseLegacyCiphertext,
} from './legacy/legacy-format.js';
export {
  type LegacyMigrationItem,
  type LegacyMigrationOptions,
  migrateLegacyBatch,
  migrateLegacyValue,
} from './legacy/legacy-migrate.js';
export {
  isPhiType,
  maskPhi,
  type NormalizeOptions,
  normalizePhi,
  PHI_TYPES,
  type PhiType,
  type PhiTypeSpec,
  type PhiValueOptions,
  phiIndexForm,
} from './masking/index.js';
export type { DependencyCall, DependencyObserver } from './observer.js';
export * from './stream/index.js';
export { InMemoryTokenVault, type TokenRecord, type TokenVault } from './tokens/token-vault.js';
export {
  generateToken,
  isToken,
  TOKEN_RECORD_TYPE,
  Tokenizer,
  type TokenizerOptions,
  type TokenizeTarget,
} from './tokens/tokenizer.js';
