import {
  type HetznerClient,
  type Volume as HetznerVolume,
  isHetznerError,
  type Server,
} from '@skillancer/hetzner-cloud';
import { VolumeError } from './errors.js';
import { toVolumeError } from './hetzner-errors.js';
import {
  checkLabels,
  checkSize,
  DEFAULT_MANAGED_LABELS,
  DEFAULT_POD_LABEL_KEY,
  DEFAULT_VOLUMES_PER_NODE,
  podLabels,
} from './labels.js';
import type {
  CallOptions,
  CreateVolumeRequest,
  DeleteVolumeOptions,
  Volume,
  VolumeProvider,
} from './provider.js';

export interface HetznerVolumeProviderOptions {
  client: HetznerClient;
  /** Label selector of the servers that may carry pod volumes (default `skillancer.io/role=skillpod-node`). */
  serverSelector?: string | Record<string, string>;
  podLabelKey?: string;
  /** Labels put on every volume this provider creates (default `skillancer.io/managed-by=skillpod`). */
  managedLabels?: Record<string, string>;
  /** Volume names are this prefix plus the pod id (default `pod-`). */
  namePrefix?: string;
  /** Attachments per server (default 16, Hetzner's limit). */
  volumesPerServer?: number;
  /**
   * What to do with a new volume whose attach action failed: `keep` it detached so that a retried
   * create for the pod adopts and attaches it (default), or `delete` it.
   */
  onAttachFailure?: 'keep' | 'delete';
}

/**
 * Volumes on Hetzner Cloud. Each pod's volume is named after the pod and labelled with its id, placed on
 * a server chosen by label with free attachment capacity, created with that server in one call, and
 * returned once both the create and the attach actions have finished.
 */
export class HetznerVolumeProvider implements VolumeProvider {
  readonly kind = 'hetzner' as const;
  readonly podLabelKey: string;
  readonly #client: HetznerClient;
  readonly #serverSelector: string | Record<string, string>;
  readonly #managedLabels: Record<string, string>;
  readonly #namePrefix: string;
  readonly #volumesPerServer: number;
  readonly #onAttachFailure: 'keep' | 'delete';
  /** Attachments this process has started but the server listing may not show yet. */
  readonly #reserved = new Map<number, number>();

  constructor(options: HetznerVolumeProviderOptions) {
    this.#client = options.client;
    this.#serverSelector = options.serverSelector ?? { 'skillancer.io/role': 'skillpod-node' };
    this.podLabelKey = options.podLabelKey ?? DEFAULT_POD_LABEL_KEY;
    this.#managedLabels = { ...(options.managedLabels ?? DEFAULT_MANAGED_LABELS) };
    this.#namePrefix = options.namePrefix ?? 'pod-';
    this.#volumesPerServer = options.volumesPerServer ?? DEFAULT_VOLUMES_PER_NODE;
    this.#onAttachFailure = options.onAttachFailure ?? 'keep';
  }

  async create(request: CreateVolumeRequest, options: CallOptions = {}): Promise<Volume> {
    checkSize(request.sizeGb);
    const labels = podLabels(this.podLabelKey, this.#managedLabels, request.podId, request.labels);
    const existing = await this.findByPod(request.podId, options);
    if (existing !== null) {
      return existing.serverId === null ? this.attach(existing.id, options) : existing;
    }

    const name = `${this.#namePrefix}${request.podId}`;
    return this.#onServerWithCapacity(request.location, options, async (server) => {
      try {
        const volume = await this.#client.volumeOperations.create(
          {
            name,
            size: request.sizeGb,
            labels,
            server: server.id,
            ...(request.format === undefined ? {} : { format: request.format }),
          },
          options,
        );
        return toVolume(volume);
      } catch (error) {
        if (isHetznerError(error, 'action_failed') && error.action?.command === 'attach_volume') {
          throw await this.#attachFailed(error, name, options);
        }
        // A concurrent create for the same pod won the name and may have chosen another server.
        if (isHetznerError(error, 'volume_already_attached')) {
          const winner = await this.findByPod(request.podId, options);
          if (winner !== null && winner.serverId !== null) return winner;
        }
        throw error;
      }
    });
  }

  async get(id: string, options: CallOptions = {}): Promise<Volume | null> {
    const numeric = parseId(id);
    if (numeric === null) return null;
    try {
      return toVolume(await this.#client.volumes.get(numeric, options));
    } catch (error) {
      if (isHetznerError(error, 'not_found')) return null;
      throw toVolumeError(error, id);
    }
  }

  async findByPod(podId: string, options: CallOptions = {}): Promise<Volume | null> {
    const [volume] = await this.list({ [this.podLabelKey]: podId }, options);
    return volume ?? null;
  }

  async list(labels: Record<string, string>, options: CallOptions = {}): Promise<Volume[]> {
    checkLabels(labels);
    try {
      const volumes = await this.#client.volumes.all({ labelSelector: labels, sort: ['id'], ...options });
      return volumes.map(toVolume);
    } catch (error) {
      throw toVolumeError(error);
    }
  }

  async attach(id: string, options: CallOptions & { serverId?: string } = {}): Promise<Volume> {
    const numeric = requireId(id);
    const operations = this.#client.volumeOperations;
    try {
      if (options.serverId !== undefined) {
        return toVolume(await operations.attach(numeric, requireId(options.serverId), options));
      }
      const volume = await this.#client.volumes.get(numeric, options);
      if (volume.serverId !== null) return toVolume(volume);
      return await this.#onServerWithCapacity(volume.location.name, options, async (server) =>
        toVolume(await operations.attach(numeric, server.id, options)),
      );
    } catch (error) {
      throw toVolumeError(error, id);
    }
  }

  async detach(id: string, options: CallOptions = {}): Promise<Volume> {
    return this.#run(id, (numeric) => this.#client.volumeOperations.detach(numeric, options));
  }

  async resize(id: string, sizeGb: number, options: CallOptions = {}): Promise<Volume> {
    checkSize(sizeGb);
    return this.#run(id, (numeric) => this.#client.volumeOperations.resize(numeric, sizeGb, options));
  }

  async setProtection(id: string, enabled: boolean, options: CallOptions = {}): Promise<Volume> {
    return this.#run(id, (numeric) => this.#client.volumeOperations.setProtection(numeric, enabled, options));
  }

  async delete(id: string, options: DeleteVolumeOptions = {}): Promise<void> {
    const numeric = parseId(id);
    if (numeric === null) return;
    try {
      await this.#client.volumeOperations.delete(numeric, options);
    } catch (error) {
      throw toVolumeError(error, id);
    }
  }

  async #run(id: string, operation: (numeric: number) => Promise<HetznerVolume>): Promise<Volume> {
    const numeric = requireId(id);
    try {
      return toVolume(await operation(numeric));
    } catch (error) {
      throw toVolumeError(error, id);
    }
  }

  /**
   * Runs `place` with the server of the location that has the most free attachments, moving on to the
   * next server when the chosen one turns out to be full. Fails with `no_capacity` when none is left.
   */
  async #onServerWithCapacity(
    location: string,
    options: CallOptions,
    place: (server: Server) => Promise<Volume>,
  ): Promise<Volume> {
    let servers: Server[];
    try {
      servers = await this.#client.servers.all({
        labelSelector: this.#serverSelector,
        status: ['running'],
        ...options,
      });
    } catch (error) {
      throw toVolumeError(error);
    }
    const candidates = servers
      .filter((server) => server.location.name === location && this.#free(server) > 0)
      .sort((left, right) => this.#free(right) - this.#free(left) || left.id - right.id);

    for (const server of candidates) {
      if (this.#free(server) <= 0) continue;
      this.#reserved.set(server.id, (this.#reserved.get(server.id) ?? 0) + 1);
      try {
        return await place(server);
      } catch (error) {
        if (!isHetznerError(error, 'limit_exceeded_error')) throw toVolumeError(error);
      } finally {
        this.#reserved.set(server.id, (this.#reserved.get(server.id) ?? 1) - 1);
      }
    }
    throw new VolumeError(
      'no_capacity',
      `no running server matching ${JSON.stringify(this.#serverSelector)} in ${location} has a free volume slot (${this.#volumesPerServer} per server); add a node or free a slot`,
    );
  }

  #free(server: Server): number {
    return this.#volumesPerServer - server.volumeIds.length - (this.#reserved.get(server.id) ?? 0);
  }

  async #attachFailed(error: Error, name: string, options: CallOptions): Promise<VolumeError> {
    const [volume] = (await this.#client.volumes.list({ name, ...options })).items;
    const volumeId = volume === undefined ? undefined : String(volume.id);
    if (volume !== undefined && this.#onAttachFailure === 'delete') {
      await this.#client.volumeOperations.delete(volume.id, options);
    }
    const outcome =
      this.#onAttachFailure === 'delete'
        ? 'the volume was deleted'
        : 'the volume was kept detached; create again to retry';
    return new VolumeError(
      'attach_failed',
      `attaching the new volume failed (${error.message}); ${outcome}`,
      {
        cause: error,
        ...(volumeId === undefined ? {} : { volumeId }),
      },
    );
  }
}

function toVolume(volume: HetznerVolume): Volume {
  return {
    id: String(volume.id),
    name: volume.name,
    sizeGb: volume.size,
    location: volume.location.name,
    labels: { ...volume.labels },
    status: volume.status,
    serverId: volume.serverId === null ? null : String(volume.serverId),
    devicePath: volume.linuxDevice,
    protected: volume.protection.delete,
    createdAt: volume.createdAt,
  };
}

function parseId(id: string): number | null {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : null;
}

function requireId(id: string): number {
  const numeric = parseId(id);
  if (numeric === null)
    throw new VolumeError('not_found', `volume or server id '${id}' is not a Hetzner id; no such volume`);
  return numeric;
}
