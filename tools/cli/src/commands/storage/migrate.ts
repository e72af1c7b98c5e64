import type { ListedObject, ObjectStore } from '@skillancer/object-storage';
import { diagnoseStorage } from '../../runtime/diagnose.js';
import { CommandFailed } from '../../runtime/io.js';
import { copyObject } from './copy-object.js';
import type { StoreLocation } from './locations.js';

export interface MigrationCounts {
  listed: number;
  copied: number;
  /** Objects the target already held with the same size and ETag. */
  skipped: number;
  /** With `dryRun`: objects that a real run would copy. */
  planned: number;
  failed: number;
  /** Bytes copied (or, with `dryRun`, that would be copied). */
  bytes: number;
  verifiedByEtag: number;
  verifiedBySha256: number;
}

export interface MigrationFailure {
  key: string;
  message: string;
}

export interface MigrationReport extends MigrationCounts {
  dryRun: boolean;
  from: string;
  to: string;
  failures: MigrationFailure[];
}

export interface MigrationOptions {
  dryRun: boolean;
  /** Objects copied at once; each holds up to about 32 MiB of parts in memory. */
  concurrency: number;
  onProgress?: (counts: MigrationCounts) => void;
}

/**
 * Copies every object under the source prefix to the target, `concurrency` at a time, and returns
 * the counts and per-object failures. Keys keep their part after the source prefix and get the
 * target prefix, which defaults to the source prefix. A failed object does not stop the run, and
 * running again copies only what is missing or different.
 */
export async function migrateObjects(
  from: StoreLocation,
  to: StoreLocation,
  options: MigrationOptions,
): Promise<MigrationReport> {
  const source = from.open();
  const target = to.open();
  const targetPrefix = to.prefixGiven ? to.prefix : from.prefix;
  const report: MigrationReport = {
    dryRun: options.dryRun,
    from: from.description,
    to: to.description,
    listed: 0,
    copied: 0,
    skipped: 0,
    planned: 0,
    failed: 0,
    bytes: 0,
    verifiedByEtag: 0,
    verifiedBySha256: 0,
    failures: [],
  };

  try {
    await Promise.all([preflight(source, from, 'source'), preflight(target, to, 'target')]);
    const listing = source.list(from.prefix)[Symbol.asyncIterator]();
    // Workers take turns on the one listing, so pages are fetched in order and once.
    let turn: Promise<unknown> = Promise.resolve();
    const next = (): Promise<IteratorResult<ListedObject>> => {
      const result = turn.then(() => listing.next());
      turn = result.catch(() => undefined);
      return result;
    };

    const worker = async (): Promise<void> => {
      for (;;) {
        const item = await next();
        if (item.done === true) return;
        report.listed += 1;
        const targetKey = targetPrefix + item.value.key.slice(from.prefix.length);
        await copyOne(source, target, item.value, targetKey, options, report);
        options.onProgress?.(countsOf(report));
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: options.concurrency }, worker));
    const rejected = settled.find((result) => result.status === 'rejected');
    if (rejected !== undefined) {
      const diagnosis = diagnoseStorage(rejected.reason, { endpoint: from.endpoint, bucket: source.bucket });
      throw new CommandFailed(`listing the source failed: ${diagnosis.problem}; fix: ${diagnosis.fix}`);
    }
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
  return report;
}

async function copyOne(
  source: ObjectStore,
  target: ObjectStore,
  listed: ListedObject,
  targetKey: string,
  options: MigrationOptions,
  report: MigrationReport,
): Promise<void> {
  try {
    const outcome = await copyObject(source, target, listed, targetKey, { dryRun: options.dryRun });
    if (outcome.status === 'skipped') {
      report.skipped += 1;
      return;
    }
    report.bytes += outcome.bytes;
    if (outcome.status === 'planned') {
      report.planned += 1;
      return;
    }
    report.copied += 1;
    if (outcome.verifiedBy === 'etag') report.verifiedByEtag += 1;
    else report.verifiedBySha256 += 1;
  } catch (error) {
    report.failed += 1;
    report.failures.push({
      key: listed.key,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

function countsOf(report: MigrationReport): MigrationCounts {
  const { listed, copied, skipped, planned, failed, bytes, verifiedByEtag, verifiedBySha256 } = report;
  return { listed, copied, skipped, planned, failed, bytes, verifiedByEtag, verifiedBySha256 };
}

/** Checks that a bucket exists and the credentials reach it, before any object is copied. */
async function preflight(
  store: ObjectStore,
  location: StoreLocation,
  side: 'source' | 'target',
): Promise<void> {
  try {
    await store.checkBucket();
  } catch (error) {
    const diagnosis = diagnoseStorage(error, { endpoint: location.endpoint, bucket: store.bucket });
    throw new CommandFailed(`the ${side} is not usable: ${diagnosis.problem}; fix: ${diagnosis.fix}`);
  }
}
