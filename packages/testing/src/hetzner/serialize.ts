import { progressOf } from './action-engine.js';
import { wireImage, wireServerType } from './fixtures.js';
import type { SimAction, SimServer, SimVolume } from './state.js';

// Turns simulator state into the API's JSON objects (snake_case, every required field present).

export function volumeJson(volume: SimVolume): Record<string, unknown> {
  return {
    id: volume.id,
    created: volume.created,
    name: volume.name,
    server: volume.serverId,
    location: { ...volume.location },
    size: volume.size,
    linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${volume.id}`,
    protection: { delete: volume.protection.delete },
    labels: { ...volume.labels },
    status: volume.status,
    format: volume.format,
  };
}

export function actionJson(action: SimAction): Record<string, unknown> {
  return {
    id: action.id,
    command: action.command,
    status: action.status,
    progress: progressOf(action),
    started: action.started,
    finished: action.finished,
    resources: action.resources.map((resource) => ({ ...resource })),
    error: action.error === null ? null : { ...action.error },
  };
}

export function serverJson(server: SimServer, locked: boolean): Record<string, unknown> {
  const octet = (server.id % 250) + 1;
  return {
    id: server.id,
    name: server.name,
    status: server.status,
    created: server.created,
    public_net: {
      ipv4: {
        id: server.id * 10,
        ip: `203.0.113.${octet}`,
        blocked: false,
        dns_ptr: `static.${octet}.113.0.203.example`,
      },
      ipv6: null,
      floating_ips: [],
      firewalls: [],
    },
    private_net: [],
    server_type: wireServerType(),
    location: { ...server.location },
    image: wireImage(server.created),
    iso: null,
    rescue_enabled: false,
    locked,
    backup_window: null,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21990232555520,
    protection: { delete: false, rebuild: false },
    labels: { ...server.labels },
    volumes: [...server.volumeIds],
    load_balancers: [],
    primary_disk_size: 160,
    placement_group: null,
  };
}
