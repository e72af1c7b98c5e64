import { randomUUID } from 'node:crypto';
import type { PlatformConfig } from '@skillancer/config';
import { createObjectStore, type ObjectStore } from '@skillancer/object-storage';
import { diagnoseStorage } from '../../runtime/diagnose.js';
import { type CheckResult, type DoctorContext, failed, ok, withTimeout } from './check.js';

/** Lists the platform's buckets with the variable that names each. */
export function configuredBuckets(config: PlatformConfig): Array<{ variable: string; bucket: string }> {
  const { buckets } = config.storage;
  return [
    { variable: 'S3_BUCKET_UPLOADS', bucket: buckets.uploads },
    { variable: 'S3_BUCKET_ASSETS', bucket: buckets.assets },
    { variable: 'S3_BUCKET_RECORDINGS', bucket: buckets.recordings },
    { variable: 'S3_BUCKET', bucket: buckets.invoices },
  ];
}

/**
 * Checks every configured bucket in parallel: it must exist and the credentials must reach it.
 * Unless `readOnly`, a zero-byte probe object is written under `.skillancer-doctor/` and deleted
 * again, because a read-only token passes HeadBucket but fails every upload.
 */
export async function checkBuckets(context: DoctorContext): Promise<CheckResult[]> {
  const { config } = context;
  const endpoint =
    config.storage.driver === 's3' ? (config.storage.endpoint ?? 'AWS S3') : config.storage.rootDir;
  // Buckets can share a name; each is checked once and reported under every variable that names it.
  const byBucket = new Map<string, string[]>();
  for (const { variable, bucket } of configuredBuckets(config)) {
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), variable]);
  }
  return Promise.all(
    [...byBucket].map(([bucket, variables]) =>
      checkBucket(context, bucket, `bucket ${bucket} (${variables.join(', ')})`, endpoint),
    ),
  );
}

async function checkBucket(
  context: DoctorContext,
  bucket: string,
  check: string,
  endpoint: string,
): Promise<CheckResult> {
  const { storage } = context.config;
  let store: ObjectStore | undefined;
  try {
    store = createObjectStore({
      driver: storage.driver,
      bucket,
      rootDir: storage.rootDir,
      endpoint: storage.endpoint,
      region: storage.region,
      accessKeyId: storage.accessKeyId,
      secretAccessKey: storage.secretAccessKey,
      forcePathStyle: storage.forcePathStyle,
      // One attempt with short timeouts: the doctor reports a dead endpoint instead of retrying it.
      maxAttempts: 1,
      connectionTimeoutMs: 3000,
      socketTimeoutMs: 10_000,
    });
    await withTimeout(store.checkBucket(), 15_000, `checking bucket ${bucket}`);
    if (context.readOnly) {
      return ok(
        check,
        `${storage.driver === 's3' ? 'reachable' : 'present'} at ${endpoint} (write access not checked)`,
      );
    }
    const probe = `.skillancer-doctor/probe-${randomUUID()}`;
    await withTimeout(
      store.put(probe, Buffer.alloc(0), { contentType: 'application/octet-stream' }),
      15_000,
      'the write probe',
    );
    await withTimeout(store.delete(probe), 15_000, 'deleting the write probe');
    return ok(check, `reachable at ${endpoint}; read and write access`);
  } catch (error) {
    const diagnosis = diagnoseStorage(error, { endpoint, bucket });
    return failed(check, diagnosis.problem, diagnosis.fix);
  } finally {
    await store?.close();
  }
}
