export type RunMode = 'development' | 'test' | 'production';

export interface StorageConfig {
  driver: 'filesystem' | 's3';
  /** Root folder of the filesystem driver. */
  rootDir: string;
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  cdnUrl?: string;
  buckets: {
    uploads: string;
    assets: string;
    recordings: string;
    invoices: string;
  };
}

export interface VolumesConfig {
  provider: 'local' | 'hetzner';
  /** Root folder of the local provider. */
  localRootDir: string;
  hetznerApiToken?: string;
  hetznerApiUrl: string;
  location: string;
  defaultSizeGb: number;
  nodeSelector: string;
}

/** The platform's settings, parsed once at start-up and passed down frozen. */
export interface PlatformConfig {
  mode: RunMode;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  host: string;
  /** Fastify's `trustProxy`: which proxies may set the client address. */
  trustProxy: boolean | number | string;
  /** Set when `PORT` is given; it overrides the per-service port of a service started alone. */
  portOverride?: number;
  ports: { auth: number; skillpod: number; cockpit: number };
  /**
   * `AUTH_PUBLIC_URL` and `COCKPIT_PUBLIC_URL`: where clients reach the service, for the links it
   * hands out. Normalized, without a trailing slash.
   */
  publicUrls: { auth?: string; cockpit?: string };
  dataDir: string;
  database: { url?: string; pgliteDataDir: string; poolSize: number };
  redisUrl?: string;
  storage: StorageConfig;
  encryption: {
    /** 64 hex characters; undefined only outside production, where a development key is generated. */
    masterKeyHex?: string;
    previousMasterKeysHex: readonly string[];
  };
  volumes: VolumesConfig;
  auth: {
    issuer: string;
    jwksUrl: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
  };
  recordings: { retentionDays: number };
  tenantShredDelayHours: number;
}
