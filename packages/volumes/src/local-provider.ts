import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { VolumeError } from './errors.js';
import {
  checkLabels,
  checkSize,
  DEFAULT_MANAGED_LABELS,
  DEFAULT_POD_LABEL_KEY,
  DEFAULT_VOLUMES_PER_NODE,
  hasLabels,
  podLabels,
} from './labels.js';
import { LocalVolumeStore } from './local-store.js';
import type {
  CallOptions,
  CreateVolumeRequest,
  DeleteVolumeOptions,
  Volume,
  VolumeProvider,
} from './provider.js';

/** A node that local volumes are "attached" to. */
export interface LocalNode {
  id: string;
  location: string;
}

export interface LocalVolumeProviderOptions {
  /** Directory that contains the volumes, for example `./.data/volumes`. */
  root: string;
  /** Nodes volumes attach to (default one node `local-1` in location `local`). */
  nodes?: LocalNode[];
  /** Attachments per node (default 16, as on Hetzner). */
  volumesPerNode?: number;
  /** Maximum number of volumes; more fails with `quota_exceeded`. Default unlimited. */
  maxVolumes?: number;
  podLabelKey?: string;
  managedLabels?: Record<string, string>;
  /** Volume names are this prefix plus the pod id (default `pod-`). */
  namePrefix?: string;
}

/**
 * Directory-backed volumes with the lifecycle, states and errors of the Hetzner provider, for the
 * embedded setup and tests. The device path is the volume's data directory. Operations finish at once,
 * so a volume is never seen in `creating`.
 *
 * NOTE: the size is recorded but not enforced on disk, and operations are serialized within one process
 * only; two processes sharing a root can race.
 */
export class LocalVolumeProvider implements VolumeProvider {
  readonly kind = 'local' as const;
  readonly podLabelKey: string;
  readonly #store: LocalVolumeStore;
  readonly #nodes: LocalNode[];
  readonly #volumesPerNode: number;
  readonly #maxVolumes: number;
  readonly #managedLabels: Record<string, string>;
  readonly #namePrefix: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: LocalVolumeProviderOptions) {
    this.#store = new LocalVolumeStore(resolve(options.root));
    this.#nodes = options.nodes ?? [{ id: 'local-1', location: 'local' }];
    this.#volumesPerNode = options.volumesPerNode ?? DEFAULT_VOLUMES_PER_NODE;
    this.#maxVolumes = options.maxVolumes ?? Number.POSITIVE_INFINITY;
    this.podLabelKey = options.podLabelKey ?? DEFAULT_POD_LABEL_KEY;
    this.#managedLabels = { ...(options.managedLabels ?? DEFAULT_MANAGED_LABELS) };
    this.#namePrefix = options.namePrefix ?? 'pod-';
  }

  async create(request: CreateVolumeRequest, options: CallOptions = {}): Promise<Volume> {
    checkSize(request.sizeGb);
    const labels = podLabels(this.podLabelKey, this.#managedLabels, request.podId, request.labels);
    return this.#serialized(options, async () => {
      const all = await this.#store.readAll();
      const existing = all.find((volume) => volume.labels[this.podLabelKey] === request.podId);
      if (existing !== undefined) {
        return existing.serverId === null
          ? this.#attachTo(existing, this.#pickNode(existing.location, all))
          : existing;
      }
      if (all.length >= this.#maxVolumes) {
        throw new VolumeError(
          'quota_exceeded',
          `the volume quota of ${this.#maxVolumes} is reached; delete volumes or raise the quota`,
        );
      }
      const node = this.#pickNode(request.location, all);
      const id = randomUUID();
      const volume: Volume = {
        id,
        name: `${this.#namePrefix}${request.podId}`,
        sizeGb: request.sizeGb,
        location: request.location,
        labels,
        status: 'available',
        serverId: node.id,
        devicePath: this.#store.dataDirectory(id),
        protected: false,
        createdAt: new Date(),
      };
      await this.#store.write(volume);
      return volume;
    });
  }

  get(id: string): Promise<Volume | null> {
    return this.#store.read(id);
  }

  async findByPod(podId: string): Promise<Volume | null> {
    const [volume] = await this.list({ [this.podLabelKey]: podId });
    return volume ?? null;
  }

  async list(labels: Record<string, string>): Promise<Volume[]> {
    checkLabels(labels);
    return (await this.#store.readAll()).filter((volume) => hasLabels(volume.labels, labels));
  }

  attach(id: string, options: CallOptions & { serverId?: string } = {}): Promise<Volume> {
    return this.#serialized(options, async () => {
      const volume = await this.#require(id);
      const all = await this.#store.readAll();
      if (options.serverId !== undefined) {
        if (volume.serverId === options.serverId) return volume;
        if (volume.serverId !== null) {
          throw new VolumeError(
            'already_attached',
            `volume ${id} is attached to ${volume.serverId}; detach it first`,
            { volumeId: id },
          );
        }
        const node = this.#nodes.find((candidate) => candidate.id === options.serverId);
        if (node === undefined)
          throw new VolumeError('not_found', `node '${options.serverId}' does not exist`, { volumeId: id });
        if (node.location !== volume.location) {
          throw new VolumeError(
            'invalid_request',
            `node ${node.id} is in ${node.location}, volume ${id} in ${volume.location}`,
            { volumeId: id },
          );
        }
        if (this.#attachments(node.id, all) >= this.#volumesPerNode) throw this.#noCapacity(volume.location);
        return this.#attachTo(volume, node);
      }
      if (volume.serverId !== null) return volume;
      return this.#attachTo(volume, this.#pickNode(volume.location, all));
    });
  }

  detach(id: string, options: CallOptions = {}): Promise<Volume> {
    return this.#serialized(options, async () => {
      const volume = await this.#require(id);
      if (volume.serverId === null) return volume;
      return this.#save({ ...volume, serverId: null });
    });
  }

  async resize(id: string, sizeGb: number, options: CallOptions = {}): Promise<Volume> {
    checkSize(sizeGb);
    return this.#serialized(options, async () => {
      const volume = await this.#require(id);
      if (sizeGb === volume.sizeGb) return volume;
      if (sizeGb < volume.sizeGb) {
        throw new VolumeError(
          'invalid_size',
          `volume ${id} has ${volume.sizeGb} GB and cannot shrink to ${sizeGb} GB; volumes only grow`,
          {
            volumeId: id,
          },
        );
      }
      return this.#save({ ...volume, sizeGb });
    });
  }

  setProtection(id: string, enabled: boolean, options: CallOptions = {}): Promise<Volume> {
    return this.#serialized(options, async () =>
      this.#save({ ...(await this.#require(id)), protected: enabled }),
    );
  }

  delete(id: string, options: DeleteVolumeOptions = {}): Promise<void> {
    return this.#serialized(options, async () => {
      const volume = await this.#store.read(id);
      if (volume === null) return;
      if (volume.protected && !options.disableProtection) {
        throw new VolumeError(
          'protected',
          `volume ${id} (${volume.name}) has delete protection; turn it off before deleting`,
          {
            volumeId: id,
          },
        );
      }
      await this.#store.remove(id);
    });
  }

  /** Runs mutations one at a time so that the read-check-write steps of two calls cannot interleave. */
  #serialized<T>(options: CallOptions, task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (options.signal?.aborted)
        throw new VolumeError('aborted', 'the caller aborted the volume operation');
      return task();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #require(id: string): Promise<Volume> {
    const volume = await this.#store.read(id);
    if (volume === null) throw new VolumeError('not_found', `volume ${id} does not exist`, { volumeId: id });
    return volume;
  }

  async #save(volume: Volume): Promise<Volume> {
    await this.#store.write(volume);
    return volume;
  }

  #attachTo(volume: Volume, node: LocalNode): Promise<Volume> {
    return this.#save({ ...volume, serverId: node.id });
  }

  #attachments(nodeId: string, all: Volume[]): number {
    return all.filter((volume) => volume.serverId === nodeId).length;
  }

  /** The node of the location with the most free attachments. */
  #pickNode(location: string, all: Volume[]): LocalNode {
    const candidates = this.#nodes
      .filter((node) => node.location === location && this.#attachments(node.id, all) < this.#volumesPerNode)
      .sort((left, right) => this.#attachments(left.id, all) - this.#attachments(right.id, all));
    const [node] = candidates;
    if (node === undefined) throw this.#noCapacity(location);
    return node;
  }

  #noCapacity(location: string): VolumeError {
    return new VolumeError(
      'no_capacity',
      `no node in ${location} has a free volume slot (${this.#volumesPerNode} per node); add a node or free a slot`,
    );
  }
}
