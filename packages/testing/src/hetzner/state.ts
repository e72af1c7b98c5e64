import { LOCATIONS, type ServerSeed, type SimLocation } from './fixtures.js';

export interface SimVolume {
  id: number;
  name: string;
  created: string;
  serverId: number | null;
  location: SimLocation;
  size: number;
  labels: Record<string, string>;
  status: 'creating' | 'available';
  format: string | null;
  protection: { delete: boolean };
}

/** A volume to add directly to the state. */
export interface VolumeSeed {
  name: string;
  location: string;
  size?: number;
  labels?: Record<string, string>;
  serverId?: number;
  protected?: boolean;
}

export interface SimServer {
  id: number;
  name: string;
  created: string;
  location: SimLocation;
  labels: Record<string, string>;
  status: 'running' | 'off';
  /** Ids of attached volumes, in attach order. */
  volumeIds: number[];
}

export interface SimAction {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  started: string;
  finished: string | null;
  resources: Array<{ id: number; type: 'volume' | 'server' }>;
  error: { code: string; message: string } | null;
  /** Time (ms since the epoch) when the action began to work and hold its locks; null while queued. */
  activeFrom: number | null;
  /** Time when it is expected to finish, for progress; null while queued. */
  endsAt: number | null;
  /** Resources the action locks while active. */
  locks: Array<{ type: 'volume' | 'server'; id: number }>;
}

/** All resources of one simulated project. */
export class SimState {
  readonly volumes = new Map<number, SimVolume>();
  readonly servers = new Map<number, SimServer>();
  readonly actions = new Map<number, SimAction>();
  readonly locations: readonly SimLocation[] = LOCATIONS;
  #nextVolumeId = 4700;
  #nextServerId = 42;
  #nextActionId = 13000;

  nextVolumeId(): number {
    this.#nextVolumeId += 1;
    return this.#nextVolumeId;
  }

  nextActionId(): number {
    this.#nextActionId += 1;
    return this.#nextActionId;
  }

  /** Finds a location by name or by id given as a string. */
  findLocation(nameOrId: string): SimLocation | undefined {
    return this.locations.find((location) => location.name === nameOrId || String(location.id) === nameOrId);
  }

  addServer(seed: ServerSeed): SimServer {
    const location = this.findLocation(seed.location);
    if (location === undefined)
      throw new Error(`unknown location '${seed.location}' for server '${seed.name}'`);
    this.#nextServerId += 1;
    const server: SimServer = {
      id: this.#nextServerId,
      name: seed.name,
      created: new Date().toISOString(),
      location,
      labels: { ...(seed.labels ?? {}) },
      status: seed.status ?? 'running',
      volumeIds: [],
    };
    this.servers.set(server.id, server);
    return server;
  }

  /** Adds an available volume directly, without an action; for seeding tests. */
  addVolume(seed: VolumeSeed): SimVolume {
    const location = this.findLocation(seed.location);
    if (location === undefined)
      throw new Error(`unknown location '${seed.location}' for volume '${seed.name}'`);
    const server = seed.serverId === undefined ? undefined : this.servers.get(seed.serverId);
    if (seed.serverId !== undefined && server === undefined)
      throw new Error(`unknown server ${seed.serverId}`);
    const volume: SimVolume = {
      id: this.nextVolumeId(),
      name: seed.name,
      created: new Date().toISOString(),
      serverId: server?.id ?? null,
      location,
      size: seed.size ?? 10,
      labels: { ...(seed.labels ?? {}) },
      status: 'available',
      format: null,
      protection: { delete: seed.protected ?? false },
    };
    this.volumes.set(volume.id, volume);
    server?.volumeIds.push(volume.id);
    return volume;
  }

  /** True while an active action holds a lock on the resource. */
  isLocked(type: 'volume' | 'server', id: number): boolean {
    for (const action of this.actions.values()) {
      if (action.status !== 'running' || action.activeFrom === null) continue;
      if (action.locks.some((lock) => lock.type === type && lock.id === id)) return true;
    }
    return false;
  }

  /** Attached volumes plus attaches still running or queued towards the server. */
  attachmentsOf(serverId: number): number {
    const server = this.servers.get(serverId);
    let count = server?.volumeIds.length ?? 0;
    for (const action of this.actions.values()) {
      if (action.command !== 'attach_volume' || action.status !== 'running') continue;
      if (action.resources.some((resource) => resource.type === 'server' && resource.id === serverId))
        count += 1;
    }
    return count;
  }
}
