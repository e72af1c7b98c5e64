import { createHash } from 'node:crypto';
import {
  BlindIndexer,
  FieldEncryptor,
  InMemoryTenantKeyRepository,
  type KeyCreatedEvent,
  KeyManager,
  type KeyManagerOptions,
  MasterKeyring,
  type TenantKeyRepository,
} from '../../src/index.js';

/** Deterministic test master keys; never use these outside tests. */
export const MASTER_HEX_A = createHash('sha256').update('phi-crypto test master key A').digest('hex');
export const MASTER_HEX_B = createHash('sha256').update('phi-crypto test master key B').digest('hex');

export interface Harness {
  masterKeys: MasterKeyring;
  repository: TenantKeyRepository;
  keys: KeyManager;
  encryptor: FieldEncryptor;
  indexer: BlindIndexer;
  created: KeyCreatedEvent[];
}

export function createHarness(
  options: Partial<Omit<KeyManagerOptions, 'repository'>> & { repository?: TenantKeyRepository } = {},
): Harness {
  const masterKeys = options.masterKeys ?? MasterKeyring.fromHex({ current: MASTER_HEX_A });
  const repository = options.repository ?? new InMemoryTenantKeyRepository();
  const created: KeyCreatedEvent[] = [];
  const keys = new KeyManager({
    ...options,
    masterKeys,
    repository,
    onKeyCreated: (event) => {
      created.push(event);
      options.onKeyCreated?.(event);
    },
  });
  return {
    masterKeys,
    repository,
    keys,
    encryptor: new FieldEncryptor({ keys }),
    indexer: new BlindIndexer({ keys }),
    created,
  };
}

export function context(
  overrides: Partial<{ tenantId: string; recordType: string; recordId: string; field: string }> = {},
) {
  return {
    tenantId: 'tenant-a',
    recordType: 'patient_profile',
    recordId: '6f1c2a9e-0000-4000-8000-000000000001',
    field: 'ssn',
    ...overrides,
  };
}

/** Runs `action` and returns the `code` of the PhiCryptoError it rejects with. */
export async function errorCode(action: () => unknown): Promise<string> {
  try {
    await action();
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
      return error.code;
    }
    throw error;
  }
  throw new Error('expected the action to fail, but it succeeded');
}
