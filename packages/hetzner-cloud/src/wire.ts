// JSON shapes of the Hetzner Cloud API (snake_case), as in its OpenAPI document. Only the fields the
// client reads are listed for servers, whose objects are much larger.

export interface WireLocation {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

export interface WireVolume {
  id: number;
  created: string;
  name: string;
  server: number | null;
  location: WireLocation;
  size: number;
  linux_device: string;
  protection: { delete: boolean };
  labels: Record<string, string>;
  status: 'creating' | 'available';
  format: string | null;
}

export interface WireActionResource {
  id: number;
  type: string;
}

export interface WireAction {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  progress: number;
  started: string;
  finished: string | null;
  resources: WireActionResource[];
  error: { code: string; message: string } | null;
}

export interface WireServer {
  id: number;
  name: string;
  status: string;
  created: string;
  location: WireLocation;
  labels: Record<string, string>;
  locked: boolean;
  volumes?: number[];
  server_type: { name: string };
}

export interface WirePagination {
  page: number;
  per_page: number;
  previous_page: number | null;
  next_page: number | null;
  last_page: number | null;
  total_entries: number | null;
}

export interface WireListMeta {
  pagination?: WirePagination;
}

export interface WireErrorEnvelope {
  error: { code: string; message: string; details?: Record<string, unknown> | null };
}

export interface WireCreateVolumeRequest {
  name: string;
  size: number;
  labels?: Record<string, string>;
  location?: string;
  server?: number;
  automount?: boolean;
  format?: string;
}

export interface WireCreateVolumeResponse {
  volume: WireVolume;
  action: WireAction;
  next_actions: WireAction[];
}
