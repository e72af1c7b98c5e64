import type { Database } from '@skillancer/database';
import { DEFAULT_MANAGED_LABELS, type Volume, type VolumeProvider } from '@skillancer/volumes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The reason a volume counts as an orphan, by the rules of skillpod-svc's volume sweep. */
export type OrphanReason = 'no_pod_label' | 'pod_missing' | 'pod_deleted' | 'pod_has_other_volume';

/** One volume labelled as the platform's, with the pod row its pod label points at. */
export interface VolumeEntry {
  volume: Volume;
  /** Value of the pod label, or null when the volume has none. */
  podId: string | null;
  pod: { id: string; tenantId: string; state: string; volumeId: string | null } | null;
  /** Set for orphans. */
  orphanReason: OrphanReason | null;
  /** When the reconciler first saw the volume as an orphan; it deletes orphans after a grace period. */
  orphanSince: Date | null;
}

/**
 * Lists every volume labelled as the platform's (`skillancer.io/managed-by=skillpod`) with its pod
 * row. A volume is an orphan when it has no pod label, its pod row is missing or deleted, or its
 * pod records another volume.
 */
export async function listManagedVolumes(provider: VolumeProvider, db: Database): Promise<VolumeEntry[]> {
  const volumes = await provider.list({ ...DEFAULT_MANAGED_LABELS });
  const podIds = [
    ...new Set(
      volumes
        .map((volume) => volume.labels[provider.podLabelKey])
        .filter((id): id is string => id !== undefined && UUID.test(id)),
    ),
  ];
  const { rows: pods } = await db.query<{
    id: string;
    tenant_id: string;
    state: string;
    volume_id: string | null;
  }>('SELECT id, tenant_id, state, volume_id FROM pods WHERE id = ANY($1::uuid[])', [podIds]);
  const podById = new Map(pods.map((pod) => [pod.id, pod]));
  const { rows: sightings } = await db.query<{ volume_id: string; first_seen_at: Date }>(
    'SELECT volume_id, first_seen_at FROM pod_orphan_volumes WHERE provider = $1',
    [provider.kind],
  );
  const orphanSince = new Map(sightings.map((row) => [row.volume_id, row.first_seen_at]));

  return volumes
    .map((volume): VolumeEntry => {
      const podId = volume.labels[provider.podLabelKey] ?? null;
      const row = podId === null ? undefined : podById.get(podId);
      const pod =
        row === undefined
          ? null
          : { id: row.id, tenantId: row.tenant_id, state: row.state, volumeId: row.volume_id };
      const orphanReason = reasonOf(volume, podId, pod);
      return {
        volume,
        podId,
        pod,
        orphanReason,
        orphanSince: orphanReason === null ? null : (orphanSince.get(volume.id) ?? null),
      };
    })
    .sort((a, b) => a.volume.name.localeCompare(b.volume.name));
}

function reasonOf(volume: Volume, podId: string | null, pod: VolumeEntry['pod']): OrphanReason | null {
  if (podId === null) return 'no_pod_label';
  if (pod === null) return 'pod_missing';
  if (pod.state === 'deleted') return 'pod_deleted';
  if (pod.volumeId !== null && pod.volumeId !== volume.id) return 'pod_has_other_volume';
  return null;
}
