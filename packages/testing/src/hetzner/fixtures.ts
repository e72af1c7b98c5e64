// Locations and server objects with every field the OpenAPI document requires, so that responses
// validate against it.

export interface SimLocation {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

export const LOCATIONS: readonly SimLocation[] = [
  {
    id: 1,
    name: 'fsn1',
    description: 'Falkenstein DC Park 1',
    country: 'DE',
    city: 'Falkenstein',
    latitude: 50.47612,
    longitude: 12.370071,
    network_zone: 'eu-central',
  },
  {
    id: 2,
    name: 'nbg1',
    description: 'Nuremberg DC Park 1',
    country: 'DE',
    city: 'Nuremberg',
    latitude: 49.452102,
    longitude: 11.076665,
    network_zone: 'eu-central',
  },
  {
    id: 3,
    name: 'hel1',
    description: 'Helsinki DC Park 1',
    country: 'FI',
    city: 'Helsinki',
    latitude: 60.169855,
    longitude: 24.938379,
    network_zone: 'eu-central',
  },
  {
    id: 4,
    name: 'ash',
    description: 'Ashburn, VA',
    country: 'US',
    city: 'Ashburn, VA',
    latitude: 39.0437,
    longitude: -77.4875,
    network_zone: 'us-east',
  },
  {
    id: 5,
    name: 'hil',
    description: 'Hillsboro, OR',
    country: 'US',
    city: 'Hillsboro, OR',
    latitude: 45.54222,
    longitude: -122.951924,
    network_zone: 'us-west',
  },
  {
    id: 6,
    name: 'sin',
    description: 'Singapore',
    country: 'SG',
    city: 'Singapore',
    latitude: 1.283333,
    longitude: 103.833333,
    network_zone: 'ap-southeast',
  },
];

/** Label that marks the seeded servers as SkillPod nodes. */
export const SKILLPOD_NODE_LABEL = { key: 'skillancer.io/role', value: 'skillpod-node' } as const;

/** A server to create at start: name, location name and labels. */
export interface ServerSeed {
  name: string;
  location: string;
  labels?: Record<string, string>;
  status?: 'running' | 'off';
}

/** Default seed: three SkillPod nodes in fsn1, one in nbg1, and one unrelated server in fsn1. */
export const DEFAULT_SERVERS: readonly ServerSeed[] = [
  {
    name: 'skillpod-node-fsn1-1',
    location: 'fsn1',
    labels: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
  },
  {
    name: 'skillpod-node-fsn1-2',
    location: 'fsn1',
    labels: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
  },
  {
    name: 'skillpod-node-fsn1-3',
    location: 'fsn1',
    labels: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
  },
  {
    name: 'skillpod-node-nbg1-1',
    location: 'nbg1',
    labels: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
  },
  { name: 'database-1', location: 'fsn1', labels: { 'skillancer.io/role': 'database' } },
];

export function wireServerType(): Record<string, unknown> {
  return {
    id: 104,
    name: 'cpx31',
    description: 'CPX 31',
    cores: 4,
    memory: 8,
    disk: 160,
    deprecated: false,
    prices: LOCATIONS.map((location) => ({
      location: location.name,
      price_hourly: { net: '0.0240000000', gross: '0.0285600000000000' },
      price_monthly: { net: '14.8600000000', gross: '17.6834000000000000' },
      included_traffic: 21990232555520,
      price_per_tb_traffic: { net: '1.0000000000', gross: '1.1900000000000000' },
    })),
    storage_type: 'local',
    cpu_type: 'shared',
    architecture: 'x86',
    deprecation: null,
    locations: LOCATIONS.map((location) => ({
      id: location.id,
      name: location.name,
      deprecation: null,
      recommended: true,
      available: true,
    })),
  };
}

export function wireImage(created: string): Record<string, unknown> {
  return {
    id: 161547269,
    type: 'system',
    status: 'available',
    name: 'ubuntu-24.04',
    description: 'Ubuntu 24.04',
    image_size: null,
    disk_size: 5,
    created,
    created_from: null,
    bound_to: null,
    os_flavor: 'ubuntu',
    os_version: '24.04',
    rapid_deploy: true,
    protection: { delete: false },
    deprecated: null,
    deleted: null,
    labels: {},
    architecture: 'x86',
  };
}
