import path from 'node:path';
import { ConfigError, type ConfigProblem } from './errors.js';
import type { PlatformConfig } from './types.js';
import { ALIASES, VARIABLES, type VariableSpec } from './variables.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment into a frozen `PlatformConfig`.
 * Throws a `ConfigError` listing every invalid variable, and in production every missing required one.
 */
export function loadConfig(env: Environment = process.env, cwd: string = process.cwd()): PlatformConfig {
  const problems: ConfigProblem[] = [];
  const values = new Map<string, unknown>();

  for (const spec of VARIABLES) {
    const raw = readRaw(env, spec);
    if (raw === undefined) continue;
    const result = spec.schema.safeParse(raw.value);
    if (result.success) {
      values.set(spec.name, result.data);
      continue;
    }
    const message = result.error.issues[0]?.message ?? 'is invalid';
    problems.push({ variable: spec.name, message: `${raw.name} ${message}` });
  }

  const get = <T>(name: string): T | undefined => values.get(name) as T | undefined;
  const mode = get<PlatformConfig['mode']>('NODE_ENV') ?? 'development';
  const production = mode === 'production';
  const dataDir = path.resolve(cwd, get<string>('DATA_DIR') ?? '.data');
  const s3Endpoint = get<string>('S3_ENDPOINT');
  const storageDriver =
    get<'filesystem' | 's3'>('OBJECT_STORAGE_DRIVER') ?? (s3Endpoint ? 's3' : 'filesystem');
  const hetznerToken = get<string>('HETZNER_API_TOKEN');
  const volumeProvider = get<'local' | 'hetzner'>('VOLUME_PROVIDER') ?? (hetznerToken ? 'hetzner' : 'local');
  const accessKeyId = get<string>('S3_ACCESS_KEY_ID');
  const secretAccessKey = get<string>('S3_SECRET_ACCESS_KEY');

  if (storageDriver === 's3' && !s3Endpoint) {
    problems.push({
      variable: 'S3_ENDPOINT',
      message:
        'S3_ENDPOINT is missing: OBJECT_STORAGE_DRIVER=s3 needs the endpoint of the S3-compatible store (for R2: https://<account-id>.r2.cloudflarestorage.com)',
    });
  }
  if (storageDriver === 's3' && (!accessKeyId || !secretAccessKey)) {
    problems.push({
      variable: 'S3_ACCESS_KEY_ID',
      message:
        'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY) are required with S3 storage; create an API token with object read and write access for the buckets',
    });
  }
  if (volumeProvider === 'hetzner' && !hetznerToken) {
    problems.push({
      variable: 'HETZNER_API_TOKEN',
      message:
        'HETZNER_API_TOKEN is missing: VOLUME_PROVIDER=hetzner needs an API token with read and write access',
    });
  }
  if (production) {
    requireInProduction(
      problems,
      !get('DATABASE_URL'),
      'DATABASE_URL',
      'a PostgreSQL URL; embedded PGlite is for development only',
    );
    requireInProduction(
      problems,
      storageDriver !== 's3',
      'S3_ENDPOINT',
      'an S3-compatible store such as R2; filesystem storage is for development only',
    );
    requireInProduction(
      problems,
      !get('ENCRYPTION_MASTER_KEY'),
      'ENCRYPTION_MASTER_KEY',
      'a real master key; generate one with: openssl rand -hex 32',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const authPort = get<number>('AUTH_PORT') ?? 3001;
  const config: PlatformConfig = {
    mode,
    logLevel: get('LOG_LEVEL') ?? 'info',
    host: get<string>('HOST') ?? (production ? '0.0.0.0' : '127.0.0.1'),
    trustProxy: get<boolean | number | string>('TRUST_PROXY') ?? false,
    portOverride: get<number>('PORT'),
    ports: {
      auth: authPort,
      skillpod: get<number>('SKILLPOD_PORT') ?? 3003,
      cockpit: get<number>('COCKPIT_PORT') ?? 3004,
    },
    publicUrls: {
      auth: get<string>('AUTH_PUBLIC_URL'),
      cockpit: get<string>('COCKPIT_PUBLIC_URL'),
    },
    dataDir,
    database: {
      url: get<string>('DATABASE_URL'),
      pgliteDataDir: path.join(dataDir, 'db'),
      poolSize: get<number>('DATABASE_POOL_SIZE') ?? 10,
    },
    redisUrl: get<string>('REDIS_URL'),
    storage: {
      driver: storageDriver,
      rootDir: path.join(dataDir, 'objects'),
      endpoint: s3Endpoint,
      region: get<string>('S3_REGION') ?? 'auto',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: get<boolean>('S3_FORCE_PATH_STYLE') ?? false,
      cdnUrl: get<string>('S3_CDN_URL'),
      buckets: {
        uploads: get<string>('S3_BUCKET_UPLOADS') ?? 'skillancer-uploads',
        assets: get<string>('S3_BUCKET_ASSETS') ?? 'skillancer-assets',
        recordings: get<string>('S3_BUCKET_RECORDINGS') ?? 'skillancer-recordings',
        invoices: get<string>('S3_BUCKET') ?? 'skillancer-invoices',
      },
    },
    encryption: {
      masterKeyHex: get<string>('ENCRYPTION_MASTER_KEY')?.toLowerCase(),
      previousMasterKeysHex: (get<string[]>('ENCRYPTION_MASTER_KEY_PREVIOUS') ?? []).map((key) =>
        key.toLowerCase(),
      ),
    },
    volumes: {
      provider: volumeProvider,
      localRootDir: path.join(dataDir, 'volumes'),
      hetznerApiToken: hetznerToken,
      hetznerApiUrl: get<string>('HETZNER_API_URL') ?? 'https://api.hetzner.cloud/v1',
      location: get<string>('HETZNER_LOCATION') ?? 'fsn1',
      defaultSizeGb: get<number>('HETZNER_VOLUME_SIZE') ?? 10,
      nodeSelector: get<string>('SKILLPOD_NODE_SELECTOR') ?? 'skillancer.io/role=skillpod-node',
    },
    auth: {
      issuer: get<string>('JWT_ISSUER') ?? 'skillancer-auth',
      jwksUrl: get<string>('AUTH_JWKS_URL') ?? `http://127.0.0.1:${authPort}/.well-known/jwks.json`,
      accessTokenTtlSeconds: get<number>('ACCESS_TOKEN_TTL') ?? 900,
      refreshTokenTtlSeconds: get<number>('REFRESH_TOKEN_TTL') ?? 30 * 24 * 3600,
    },
    recordings: { retentionDays: get<number>('RECORDING_RETENTION_DAYS') ?? 90 },
    tenantShredDelayHours: get<number>('TENANT_SHRED_DELAY_HOURS') ?? 72,
  };
  return deepFreeze(config);
}

/** Returns the value of a variable or of its alias; an empty string counts as unset. */
function readRaw(env: Environment, spec: VariableSpec): { name: string; value: string } | undefined {
  const direct = env[spec.name];
  if (direct !== undefined && direct !== '') return { name: spec.name, value: direct };
  for (const [alias, target] of Object.entries(ALIASES)) {
    const value = env[alias];
    if (target === spec.name && value !== undefined && value !== '') return { name: alias, value };
  }
  return undefined;
}

function requireInProduction(
  problems: ConfigProblem[],
  missing: boolean,
  variable: string,
  requirement: string,
): void {
  if (missing && !problems.some((problem) => problem.variable === variable)) {
    problems.push({
      variable,
      message: `${variable} is required when NODE_ENV=production: set ${requirement}`,
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
