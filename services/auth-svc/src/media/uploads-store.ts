import { hkdfSync } from 'node:crypto';
import type { PlatformConfig } from '@skillancer/config';
import { createObjectStore, type ObjectStore, type ObjectStoreObserver } from '@skillancer/object-storage';
import { serviceBaseUrl } from '@skillancer/service-kit';
import { FILESYSTEM_SIGNED_URL_PREFIX } from './media-routes.js';

/**
 * Creates the store of the uploads bucket (`S3_BUCKET_UPLOADS`) from the storage configuration.
 *
 * On the filesystem driver, auth-svc itself serves the presigned URLs under `/files/uploads`. Their
 * HMAC secret is derived from the master key with HKDF-SHA256, so every replica with the same
 * master key accepts the same URLs. Rotating the master key invalidates the URLs issued before.
 * The URLs start with `AUTH_PUBLIC_URL`, or else with `HOST` and `listenPort`, the port auth-svc
 * listens on.
 */
export function createUploadsStore(
  config: PlatformConfig,
  options: { masterKey: Buffer; listenPort: number; observer?: ObjectStoreObserver },
): ObjectStore {
  const { storage } = config;
  const authBaseUrl = serviceBaseUrl({
    host: config.host,
    port: options.listenPort,
    publicUrl: config.publicUrls.auth,
  });
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
            baseUrl: `${authBaseUrl}${FILESYSTEM_SIGNED_URL_PREFIX}`,
          },
        }
      : {}),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
}
