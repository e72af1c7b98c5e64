// Domain types of the client (camelCase). The API's JSON shapes are in wire.ts; convert.ts maps between
// the two.

export interface Location {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  networkZone: string;
}

export type VolumeStatus = 'creating' | 'available';

export interface Volume {
  id: number;
  name: string;
  createdAt: Date;
  /** Id of the attached server, null when detached. */
  serverId: number | null;
  location: Location;
  /** Size in GB. */
  size: number;
  /** Device path on the server, for example `/dev/disk/by-id/scsi-0HC_Volume_4711`; present even when detached. */
  linuxDevice: string;
  protection: { delete: boolean };
  labels: Record<string, string>;
  status: VolumeStatus;
  /** Filesystem chosen at creation, null when none was chosen. */
  format: string | null;
}

export type ActionStatus = 'running' | 'success' | 'error';

export interface Action {
  id: number;
  command: string;
  status: ActionStatus;
  /** Progress in percent, 0 to 100. */
  progress: number;
  startedAt: Date;
  finishedAt: Date | null;
  resources: Array<{ id: number; type: string }>;
  error: { code: string; message: string } | null;
}

export interface Server {
  id: number;
  name: string;
  status: string;
  createdAt: Date;
  location: Location;
  labels: Record<string, string>;
  locked: boolean;
  /** Ids of the attached volumes. */
  volumeIds: number[];
  serverType: string;
}

export interface Pagination {
  page: number;
  perPage: number;
  previousPage: number | null;
  nextPage: number | null;
  lastPage: number | null;
  totalEntries: number | null;
}

/** One page of a list request. `pagination` is null when the response had no `meta.pagination`. */
export interface Page<T> {
  items: T[];
  pagination: Pagination | null;
}

/** Rate-limit state from the `RateLimit-*` headers of the latest response. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Time at which the budget is full again. */
  resetAt: Date;
}

export type SortDirection = 'asc' | 'desc';

export interface CreateVolumeOptions {
  name: string;
  /** Size in whole GB, 10 to 10240. */
  size: number;
  labels?: Record<string, string>;
  /** Location name or id; exactly one of `location` and `server` is required. */
  location?: string;
  /** Server to attach the volume to once created; the volume is created in the server's location. */
  server?: number;
  /** Mount the volume after the attach; only together with `server`. */
  automount?: boolean;
  format?: 'xfs' | 'ext4';
}

export interface CreateVolumeResult {
  volume: Volume;
  /** The `create_volume` action. */
  action: Action;
  /** The `attach_volume` action when a server was given, otherwise empty. */
  nextActions: Action[];
}
