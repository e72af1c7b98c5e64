/** Lifecycle state of a volume as every provider reports it. */
export type VolumeStatus = 'creating' | 'available';

/** A persistent block volume (or, for the local provider, a directory) that belongs to one pod. */
export interface Volume {
  /** Provider-specific id: the Hetzner volume id as a decimal string, or a UUID for local volumes. */
  id: string;
  name: string;
  /** Size in whole GB. */
  sizeGb: number;
  /** Location name, for example `fsn1`. */
  location: string;
  labels: Record<string, string>;
  status: VolumeStatus;
  /** Id of the server (node) the volume is attached to, or null when detached. */
  serverId: string | null;
  /** Path the node mounts: Hetzner's `linux_device`, or the directory of a local volume. */
  devicePath: string;
  /** Delete protection: a protected volume cannot be deleted until protection is turned off. */
  protected: boolean;
  createdAt: Date;
}

/** Request to create the volume of one pod. */
export interface CreateVolumeRequest {
  /**
   * Pod the volume belongs to. It is stored as a label, and a second create for the same pod returns the
   * existing volume instead of making another one.
   */
  podId: string;
  sizeGb: number;
  /** Location name; the volume is placed on a node in this location. */
  location: string;
  /** Extra labels, for example the tenant id. Keys and values must follow Hetzner's label rules. */
  labels?: Record<string, string>;
  /** Filesystem to format the volume with at creation. */
  format?: 'ext4' | 'xfs';
}

/** Options that every provider call accepts. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of `delete`. */
export interface DeleteVolumeOptions extends CallOptions {
  /** Turn delete protection off before deleting instead of failing with `protected`. */
  disableProtection?: boolean;
}

/**
 * Persistent volumes for pods. Every mutating call is idempotent: repeating it after a crash or a lost
 * response finishes the work without duplicating it, and failures are `VolumeError`s with stable codes.
 */
export interface VolumeProvider {
  readonly kind: 'hetzner' | 'local';
  /** Label key under which the pod id is stored on every volume this provider creates. */
  readonly podLabelKey: string;

  /**
   * Creates the pod's volume attached to a node with free capacity, waiting until it is available and
   * attached. Returns the existing volume when one is already labelled with this pod id.
   */
  create(request: CreateVolumeRequest, options?: CallOptions): Promise<Volume>;
  /** Returns the volume, or null when no volume has this id. */
  get(id: string, options?: CallOptions): Promise<Volume | null>;
  /** Returns the pod's volume, or null when the pod has none. */
  findByPod(podId: string, options?: CallOptions): Promise<Volume | null>;
  /** Lists every volume whose labels contain all the given pairs (all pages). */
  list(labels: Record<string, string>, options?: CallOptions): Promise<Volume[]>;
  /** Attaches the volume to a node with free capacity in its location, or to `serverId` when given. */
  attach(id: string, options?: CallOptions & { serverId?: string }): Promise<Volume>;
  /** Detaches the volume; a detached volume is returned unchanged. */
  detach(id: string, options?: CallOptions): Promise<Volume>;
  /** Grows the volume to `sizeGb`; the current size is a no-op and a smaller size is `invalid_size`. */
  resize(id: string, sizeGb: number, options?: CallOptions): Promise<Volume>;
  /** Turns delete protection on or off. */
  setProtection(id: string, enabled: boolean, options?: CallOptions): Promise<Volume>;
  /** Detaches (when attached) and deletes the volume; a missing volume counts as deleted. */
  delete(id: string, options?: DeleteVolumeOptions): Promise<void>;
}
