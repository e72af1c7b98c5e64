import { HetznerApiError } from './errors.js';
import type { Action, CreateVolumeOptions, Location, Pagination, Server, Volume } from './types.js';
import type {
  WireAction,
  WireCreateVolumeRequest,
  WireLocation,
  WirePagination,
  WireServer,
  WireVolume,
} from './wire.js';

// The one place where wire (snake_case) shapes turn into domain objects and back.

export function toLocation(wire: WireLocation): Location {
  return {
    id: wire.id,
    name: wire.name,
    description: wire.description,
    country: wire.country,
    city: wire.city,
    latitude: wire.latitude,
    longitude: wire.longitude,
    networkZone: wire.network_zone,
  };
}

export function toVolume(wire: WireVolume): Volume {
  return {
    id: wire.id,
    name: wire.name,
    createdAt: new Date(wire.created),
    serverId: wire.server,
    location: toLocation(wire.location),
    size: wire.size,
    linuxDevice: wire.linux_device,
    protection: { delete: wire.protection.delete },
    labels: { ...wire.labels },
    status: wire.status,
    format: wire.format,
  };
}

export function toAction(wire: WireAction): Action {
  return {
    id: wire.id,
    command: wire.command,
    status: wire.status,
    progress: wire.progress,
    startedAt: new Date(wire.started),
    finishedAt: wire.finished === null ? null : new Date(wire.finished),
    resources: wire.resources.map((resource) => ({ id: resource.id, type: resource.type })),
    error: wire.error === null ? null : { code: wire.error.code, message: wire.error.message },
  };
}

export function toServer(wire: WireServer): Server {
  return {
    id: wire.id,
    name: wire.name,
    status: wire.status,
    createdAt: new Date(wire.created),
    location: toLocation(wire.location),
    labels: { ...wire.labels },
    locked: wire.locked,
    volumeIds: [...(wire.volumes ?? [])],
    serverType: wire.server_type.name,
  };
}

export function toPagination(wire: WirePagination | undefined): Pagination | null {
  if (wire === undefined || wire === null || typeof wire !== 'object') return null;
  return {
    page: wire.page,
    perPage: wire.per_page,
    previousPage: wire.previous_page ?? null,
    nextPage: wire.next_page ?? null,
    lastPage: wire.last_page ?? null,
    totalEntries: wire.total_entries ?? null,
  };
}

export function toCreateVolumeRequest(options: CreateVolumeOptions): WireCreateVolumeRequest {
  const body: WireCreateVolumeRequest = { name: options.name, size: options.size };
  if (options.labels !== undefined) body.labels = { ...options.labels };
  if (options.location !== undefined) body.location = options.location;
  if (options.server !== undefined) body.server = options.server;
  if (options.automount !== undefined) body.automount = options.automount;
  if (options.format !== undefined) body.format = options.format;
  return body;
}

/** Reads `body[key]` as an object, failing with `invalid_response` when the API sent something else. */
export function field<T>(body: unknown, key: string, operation: string): T {
  if (typeof body === 'object' && body !== null && key in body) {
    return (body as Record<string, unknown>)[key] as T;
  }
  throw new HetznerApiError({
    code: 'invalid_response',
    origin: 'api',
    operation,
    message: `response of ${operation} has no '${key}' field; the API changed or a proxy rewrote the body`,
  });
}
