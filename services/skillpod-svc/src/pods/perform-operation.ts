import { isVolumeError, type Volume, VolumeError, type VolumeProvider } from '@skillancer/volumes';
import type { PodRecord } from './pod-record.js';
import type { VolumeFacts } from './pod-repository.js';
import { type SettledState, stateAfterSuccess } from './states.js';

/** The settled state a successful operation leads to and the volume facts to record. */
export interface OperationResult {
  state: SettledState;
  facts: VolumeFacts;
}

interface PerformOptions {
  signal: AbortSignal;
  tenantLabelKey: string;
}

/**
 * Performs the pod's operation at the provider. Every step is idempotent, so running it again after a
 * crash or a lost lease finishes the work without repeating it. The create adopts the volume labelled
 * with the pod id, and attach and detach accept a volume already where it should be. A resize to a
 * size already reached does nothing, and deleting a missing volume succeeds.
 */
export async function performOperation(
  provider: VolumeProvider,
  pod: PodRecord,
  options: PerformOptions,
): Promise<OperationResult> {
  const call = { signal: options.signal };
  const operation = pod.operation;
  switch (operation) {
    case 'create': {
      const volume = await attachedAfter(
        provider,
        pod,
        () =>
          provider.create(
            {
              podId: pod.id,
              sizeGb: pod.sizeGb,
              location: pod.location,
              labels: { [options.tenantLabelKey]: pod.tenantId },
            },
            call,
          ),
        call,
      );
      return { state: 'ready', facts: attachedFacts(volume) };
    }
    case 'start': {
      const volumeId = requireVolumeId(pod);
      const volume = await attachedAfter(provider, pod, () => provider.attach(volumeId, call), call);
      return { state: 'ready', facts: attachedFacts(volume) };
    }
    case 'stop': {
      const volume = await provider.detach(requireVolumeId(pod), call);
      return { state: 'stopped', facts: { serverId: null, devicePath: null, sizeGb: volume.sizeGb } };
    }
    case 'resize': {
      const volume = await grown(provider, requireVolumeId(pod), pod.operationSizeGb ?? pod.sizeGb, call);
      return { state: stateAfterSuccess('resize', pod.resumeState), facts: { sizeGb: volume.sizeGb } };
    }
    case 'delete': {
      // A pod whose create failed may have no recorded volume but still a labelled one at the provider.
      const volumeId = pod.volumeId ?? (await provider.findByPod(pod.id, call))?.id ?? null;
      if (volumeId !== null) await provider.delete(volumeId, call);
      return { state: 'deleted', facts: { serverId: null, devicePath: null } };
    }
    case null:
      throw new Error(`pod ${pod.id} has no operation in flight`);
  }
}

/**
 * Runs an attach-type step. When it fails with `already_attached` (a resumed attach that raced the
 * one started before a crash), the pod's volume is read again and accepted if it is attached.
 */
async function attachedAfter(
  provider: VolumeProvider,
  pod: PodRecord,
  step: () => Promise<Volume>,
  call: { signal: AbortSignal },
): Promise<Volume> {
  try {
    return await step();
  } catch (error) {
    if (!isVolumeError(error, 'already_attached')) throw error;
    const volume = await provider.findByPod(pod.id, call);
    if (volume !== null && volume.serverId !== null) return volume;
    throw error;
  }
}

/**
 * Grows the volume to `sizeGb`. When the provider rejects the size because an earlier attempt (cut
 * off by a crash or a lost response) has grown the volume meanwhile, the volume is read again and
 * accepted if it has reached the size.
 */
async function grown(
  provider: VolumeProvider,
  volumeId: string,
  sizeGb: number,
  call: { signal: AbortSignal },
): Promise<Volume> {
  try {
    return await provider.resize(volumeId, sizeGb, call);
  } catch (error) {
    if (!isVolumeError(error, 'invalid_size')) throw error;
    const volume = await provider.get(volumeId, call);
    if (volume !== null && volume.sizeGb >= sizeGb) return volume;
    throw error;
  }
}

function attachedFacts(volume: Volume): VolumeFacts {
  return {
    volumeId: volume.id,
    serverId: volume.serverId,
    devicePath: volume.devicePath,
    sizeGb: volume.sizeGb,
  };
}

function requireVolumeId(pod: PodRecord): string {
  if (pod.volumeId !== null) return pod.volumeId;
  throw new VolumeError('not_found', `pod ${pod.id} has no volume recorded`);
}
