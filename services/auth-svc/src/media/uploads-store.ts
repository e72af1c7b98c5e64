import { hkdfSync } from 'node:crypto';
import type { PlatformConfig } from '@skillancer/config';
import { createObjectStore, type ObjectStore, type ObjectStoreObserver } from '@skillancer/object-storage';
import { FILESYSTEM_SIGNED_URL_PREFIX } from './media-routes.js';

/**
 * Creates the store of the uploads bucket (`S3_BUCKET_UPLOADS`) from the storage configuration.
 *
 * On the filesystem driver, auth-svc itself serves the presigned URLs under `/files/uploads`. Their
 * HMAC secret is derived from the master key with HKDF-SHA256, so every replica with the same
 * master key accepts the same URLs. Rotating the master key invalidates the URLs issued before.
 */
export function createUploadsStore(
  config: PlatformConfig,
  options: { masterKey: Buffer; observer?: ObjectStoreObserver },
): ObjectStore {
  const { storage } = config;
  return createObjectStore({
    driver: storage.driver,
    bucket: storage.buckets.uploads,
    rootDir: storage.rootDir,
    ...(storage.endpoint === undefined ? {} : { endpoint: storage.endpoint }),
    region: storage.region,
    ...(storage.accessKeyId === undefined ? {} : { accessKeyId: storage.accessKeyId }),
    ...(storage.secretAccessKey === undefined ? {} : { secretAccessKey: storage.secretAccessKey }),
    forcePathStyle: storage.forcePathStyle,
    ...(storage.cdnUrl === undefined ? {} : { cdnUrl: storage.cdnUrl }),
    ...(storage.driver === 'filesystem'
      ? {
          presign: {
            secret: Buffer.from(
              hkdfSync('sha256', options.masterKey, Buffer.alloc(0), 'skillancer uploads presigned URLs', 32),
            ),
            baseUrl: `${serviceOrigin(config)}${FILESYSTEM_SIGNED_URL_PREFIX}`,
          },
        }
      : {}),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
}

/**
 * Returns the origin at which clients reach auth-svc, for the filesystem driver's presigned URLs.
 * The configuration has no public URL setting, so this is the listen address, with 127.0.0.1 in
 * place of a wildcard address.
 */
function serviceOrigin(config: PlatformConfig): string {
  // NOTE: behind a proxy or in a container these URLs name the listen address, not the public host.
  // That suits development, the only use of the filesystem driver, where clients share the machine.
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const port = config.portOverride ?? config.ports.auth;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `http://${hostPart}:${port}`;
}
