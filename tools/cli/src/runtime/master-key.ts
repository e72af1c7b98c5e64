import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlatformConfig } from '@skillancer/config';
import type { Logger } from 'pino';

export const DEVELOPMENT_KEY_FILE = 'development-master-key.hex';

/**
 * Returns the master key from `ENCRYPTION_MASTER_KEY`, or outside production the development key
 * kept in DATA_DIR, generating it on first start. Configuration parsing rejects production without a key.
 */
export async function resolveMasterKey(config: PlatformConfig, logger: Logger): Promise<Buffer> {
  if (config.encryption.masterKeyHex) return Buffer.from(config.encryption.masterKeyHex, 'hex');
  if (config.mode === 'production') {
    throw new Error(
      'ENCRYPTION_MASTER_KEY is required when NODE_ENV=production; generate one with: openssl rand -hex 32',
    );
  }

  const file = path.join(config.dataDir, DEVELOPMENT_KEY_FILE);
  try {
    const hex = (await readFile(file, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new Error(
        `${file} does not hold a 64-character hex key; restore it from a backup, or delete DATA_DIR to start over`,
      );
    }
    logger.warn(
      { file },
      'using the development master key; it is for development only, set ENCRYPTION_MASTER_KEY in production',
    );
    return Buffer.from(hex, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // The "wx" flag fails if another process created the file meanwhile, instead of overwriting its key.
  await writeFile(file, `${key.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  logger.warn(
    { file },
    'generated a development master key; it is for development only: anyone with this file can decrypt the data, so set ENCRYPTION_MASTER_KEY in production',
  );
  return key;
}
