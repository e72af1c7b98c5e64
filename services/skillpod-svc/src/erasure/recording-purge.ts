import {
  defineErasedObjectPurge,
  type ErasedObjectPurgeDependencies,
  type ErasedObjectPurgeReport,
  purgeErasedObjects,
} from '@skillancer/phi-store';
import { tenantRecordingPrefix } from '../recordings/recording-objects.js';

/** Advisory lock that lets one replica at a time purge. */
export const RECORDING_PURGE_LOCK = 'skillpod:erasure-recording-purge';

/**
 * The purge of erased tenants' session recording chunks from the recordings bucket
 * (`S3_BUCKET_RECORDINGS`): everything under `tenant/<tenantId>/recording/`, marked by
 * `recordings_purged_at`. Recording rows cascade with the tenant row, and the retention sweeper
 * finds chunks only through those rows, so without this purge the chunks would stay in the bucket.
 *
 * NOTE: a chunk upload that was encrypting while the erasure executed can store its object after
 * the purge listed the prefix. Its row insert then finds the recording gone and deletes the object.
 * Only when that delete fails too does the object outlive the purge.
 */
export const RECORDING_PURGE = defineErasedObjectPurge({
  name: 'recording',
  objectsNoun: 'chunks',
  lockName: RECORDING_PURGE_LOCK,
  markerColumn: 'recordings_purged_at',
  prefixOf: tenantRecordingPrefix,
  metricPrefix: 'skillpod_erasure_recording_purge',
  objectsDeletedHelp: 'Recording chunk objects of erased tenants deleted from the recordings bucket',
});

/** Runs `RECORDING_PURGE` once; see `purgeErasedObjects`. `deps.store` is the recordings bucket. */
export function purgeErasedRecordings(deps: ErasedObjectPurgeDependencies): Promise<ErasedObjectPurgeReport> {
  return purgeErasedObjects(RECORDING_PURGE, deps);
}
