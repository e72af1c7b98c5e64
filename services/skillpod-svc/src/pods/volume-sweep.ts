import type { Volume, VolumeProvider } from '@skillancer/volumes';
import type { FastifyBaseLogger } from 'fastify';
import type { OrphanStore } from './orphan-store.js';
import type { PodMetrics } from './pod-metrics.js';
import type { PodRecord } from './pod-record.js';
import type { PodRepository } from './pod-repository.js';
import { VOLUME_MISSING } from './states.js';

export interface VolumeSweepOptions {
  /** Labels every volume of this service carries; the sweep lists volumes by them. */
  managedLabels: Record<string, string>;
  /** How long a volume must have been an orphan before it is deleted. */
  orphanGraceMs: number;
  /**
   * Maximum orphans deleted in one sweep. When more are due, none is deleted and an error is logged,
   * because that many orphans at once points at a wrong database or a shared cloud project.
   */
  maxOrphanDeletions: number;
}

export interface VolumeSweepDependencies {
  repository: PodRepository;
  provider: VolumeProvider;
  orphans: OrphanStore;
  logger: FastifyBaseLogger;
  metrics: PodMetrics;
  options: VolumeSweepOptions;
}

/** Counts of what one sweep found and changed. */
export interface VolumeSweepReport {
  volumesSeen: number;
  adopted: number;
  corrected: number;
  orphansFound: number;
  orphansDeleted: number;
  orphansKept: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Compares the provider's volumes with the pods table. A volume whose pod is gone, deleted, or owns
 * another volume is an orphan and is deleted once it has been one for the grace period. A failed pod
 * without a recorded volume adopts the volume labelled with its id, so deleting the pod deletes it.
 * A settled pod whose volume is detached, attached or resized behind the service's back, or gone, is
 * moved to the state the volume shows.
 */
export async function sweepVolumes(
  deps: VolumeSweepDependencies,
  signal: AbortSignal,
): Promise<VolumeSweepReport> {
  const { repository, provider, orphans, logger, options } = deps;
  const report: VolumeSweepReport = {
    volumesSeen: 0,
    adopted: 0,
    corrected: 0,
    orphansFound: 0,
    orphansDeleted: 0,
    orphansKept: 0,
  };

  // Pods are read before the volumes, so a pod created after this read is looked up on its own below
  // and a volume is never taken for an orphan only because its pod is newer than the snapshot.
  const sweepStartedAt = await orphans.now();
  const knownOrphans = await orphans.listIds();
  const snapshot = new Map((await repository.listLive()).map((pod) => [pod.id, pod]));
  const volumes = await provider.list(options.managedLabels, { signal });
  report.volumesSeen = volumes.length;
  const listed = new Set<string>();
  const due: Volume[] = [];

  for (const volume of volumes) {
    listed.add(volume.id);
    const podLabel = volume.labels[provider.podLabelKey] ?? null;
    const pod = await podOf(repository, snapshot, podLabel);
    if (pod !== null && pod.state !== 'deleted' && (pod.volumeId === null || pod.volumeId === volume.id)) {
      if (knownOrphans.has(volume.id)) await orphans.forget(volume.id);
      await reconcileOwnedVolume(deps, pod, volume, report);
      continue;
    }

    const sighting = await orphans.sight(volume.id, podLabel);
    if (sighting.isNew) {
      report.orphansFound += 1;
      deps.metrics.countReconcilerAction('orphan_found');
      logger.warn(
        {
          volumeId: volume.id,
          podId: podLabel,
          podState: pod?.state ?? null,
          graceMs: options.orphanGraceMs,
        },
        'found an orphan volume (its pod is gone, deleted or owns another volume); it is deleted after the grace period',
      );
    }
    if (sighting.orphanForMs >= options.orphanGraceMs) due.push(volume);
  }

  await deleteDueOrphans(deps, due, report, signal);
  await orphans.forgetUnseenSince(sweepStartedAt);
  await failPodsWithMissingVolumes(deps, snapshot, listed, report, signal);
  return report;
}

async function podOf(
  repository: PodRepository,
  snapshot: Map<string, PodRecord>,
  podLabel: string | null,
): Promise<PodRecord | null> {
  if (podLabel === null || !UUID.test(podLabel)) return null;
  return snapshot.get(podLabel) ?? (await repository.findById(podLabel));
}

/** Adopts a failed pod's unrecorded volume, or moves a settled pod to the state its volume shows. */
async function reconcileOwnedVolume(
  deps: VolumeSweepDependencies,
  pod: PodRecord,
  volume: Volume,
  report: VolumeSweepReport,
): Promise<void> {
  const { repository, logger, metrics } = deps;
  if (pod.operation !== null) return;

  if (pod.volumeId === null) {
    if (await repository.adoptVolume(pod, volume.id)) {
      report.adopted += 1;
      metrics.countReconcilerAction('volume_adopted');
      logger.info(
        { podId: pod.id, volumeId: volume.id, state: pod.state },
        'recorded the volume of a pod that had none',
      );
    }
    return;
  }

  if (pod.state !== 'ready' && pod.state !== 'stopped') return;
  const attached = volume.serverId !== null;
  let state = pod.state;
  if (pod.state === 'ready' && !attached) state = 'stopped';
  if (pod.state === 'stopped' && attached) state = 'ready';
  const changed = state !== pod.state || volume.sizeGb !== pod.sizeGb || volume.serverId !== pod.serverId;
  if (!changed) return;

  const facts = {
    serverId: volume.serverId,
    devicePath: attached ? volume.devicePath : null,
    sizeGb: volume.sizeGb,
  };
  if (await repository.correctState(pod, state, facts, null)) {
    report.corrected += 1;
    metrics.countReconcilerAction('state_corrected');
    logger.warn(
      {
        podId: pod.id,
        volumeId: volume.id,
        from: pod.state,
        to: state,
        sizeGb: volume.sizeGb,
        recordedSizeGb: pod.sizeGb,
        serverId: volume.serverId,
        recordedServerId: pod.serverId,
      },
      'pod did not match its volume; corrected it to what the provider shows',
    );
  }
}

async function deleteDueOrphans(
  deps: VolumeSweepDependencies,
  due: Volume[],
  report: VolumeSweepReport,
  signal: AbortSignal,
): Promise<void> {
  const { provider, orphans, logger, metrics, options } = deps;
  if (due.length > options.maxOrphanDeletions) {
    report.orphansKept += due.length;
    logger.error(
      { due: due.length, maxOrphanDeletions: options.maxOrphanDeletions },
      'more orphan volumes are due for deletion than one sweep may delete, so none was deleted; check that the service uses the right database and a cloud project of its own, then delete them by hand or raise the limit',
    );
    return;
  }

  for (const volume of due) {
    const podLabel = volume.labels[provider.podLabelKey] ?? null;
    if (volume.protected) {
      report.orphansKept += 1;
      metrics.countReconcilerAction('orphan_kept_protected');
      logger.warn({ volumeId: volume.id, podId: podLabel }, 'orphan volume has delete protection; kept it');
      continue;
    }
    try {
      await provider.delete(volume.id, { signal });
      await orphans.forget(volume.id);
      report.orphansDeleted += 1;
      metrics.countReconcilerAction('orphan_deleted');
      logger.info(
        { volumeId: volume.id, podId: podLabel, sizeGb: volume.sizeGb },
        'deleted an orphan volume',
      );
    } catch (error) {
      report.orphansKept += 1;
      metrics.countReconcilerAction('orphan_delete_failed');
      logger.error(
        { err: error, volumeId: volume.id, podId: podLabel },
        'deleting an orphan volume failed; retried next sweep',
      );
    }
  }
}

/**
 * Fails settled pods whose recorded volume was not listed. The volume is read once more by id first,
 * because a volume whose labels were edited is not listed but still exists.
 */
async function failPodsWithMissingVolumes(
  deps: VolumeSweepDependencies,
  snapshot: Map<string, PodRecord>,
  listed: Set<string>,
  report: VolumeSweepReport,
  signal: AbortSignal,
): Promise<void> {
  const { repository, provider, logger, metrics } = deps;
  for (const pod of snapshot.values()) {
    if (pod.operation !== null || pod.volumeId === null || listed.has(pod.volumeId)) continue;
    if (pod.state !== 'ready' && pod.state !== 'stopped') continue;
    if ((await provider.get(pod.volumeId, { signal })) !== null) continue;

    const failure = {
      code: VOLUME_MISSING,
      message: 'The volume of this pod no longer exists at the provider; delete the pod and create a new one',
    };
    const facts = { serverId: null, devicePath: null, sizeGb: pod.sizeGb };
    if (await repository.correctState(pod, 'failed', facts, failure)) {
      report.corrected += 1;
      metrics.countReconcilerAction('state_corrected');
      logger.error(
        { podId: pod.id, tenantId: pod.tenantId, volumeId: pod.volumeId, from: pod.state },
        'the volume of a pod disappeared at the provider; the pod is failed',
      );
    }
  }
}
