import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlatformConfig } from '@skillancer/config';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { CliError } from './io.js';
import { DEVELOPMENT_KEY_FILE } from './master-key.js';

export interface LoadedKeyring {
  keyring: MasterKeyring;
  /** `environment` for ENCRYPTION_MASTER_KEY, `development` for the key file in DATA_DIR. */
  source: 'environment' | 'development';
  /** The development key file, when that is the source. */
  file?: string;
}

/**
 * Loads the master keyring from ENCRYPTION_MASTER_KEY and ENCRYPTION_MASTER_KEY_PREVIOUS, or outside
 * production from the development key file that `skillancer start` generated. Unlike start-up it
 * never generates a key, because an operations command must not invent the key of existing data.
 * Returns null when no key is configured and no development key exists yet.
 */
export async function loadMasterKeyring(config: PlatformConfig): Promise<LoadedKeyring | null> {
  const previous = config.encryption.previousMasterKeysHex;
  if (config.encryption.masterKeyHex !== undefined) {
    return {
      keyring: MasterKeyring.fromHex({ current: config.encryption.masterKeyHex, previous }),
      source: 'environment',
    };
  }
  if (config.mode === 'production') return null;

  const file = path.join(config.dataDir, DEVELOPMENT_KEY_FILE);
  let hex: string;
  try {
    hex = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new CliError(
      `invalid master key: ${file} does not contain a 64-character hex key; restore it from a backup`,
    );
  }
  return { keyring: MasterKeyring.fromHex({ current: hex, previous }), source: 'development', file };
}

/** Like `loadMasterKeyring`, but a missing key is an error naming the variable to set. */
export async function requireMasterKeyring(config: PlatformConfig): Promise<LoadedKeyring> {
  const loaded = await loadMasterKeyring(config);
  if (loaded === null) {
    throw new CliError(
      'ENCRYPTION_MASTER_KEY is not set and no development key exists in DATA_DIR; set the master key the data was written with',
    );
  }
  return loaded;
}
