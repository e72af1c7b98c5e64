import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type ManagedProcess, startProcess } from './processes.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tsEntry = (relative: string) => ['--import', 'tsx', path.join(repositoryRoot, relative)];

export const STACK_BUCKETS = {
  uploads: 'skillancer-uploads',
  assets: 'skillancer-assets',
  recordings: 'skillancer-recordings',
  invoices: 'skillancer-invoices',
};

export interface StackOptions {
  /** Folder for the S3 peer's objects. */
  dataDir: string;
  /** A PostgreSQL URL of a role that may create databases. */
  adminDatabaseUrl: string;
  /** Database to create (if missing) and use; dropped on stop when `dropDatabaseOnStop`. */
  databaseName: string;
  dropDatabaseOnStop?: boolean;
  redisUrl: string;
  masterKeyHex: string;
  /** Duration of each simulated Hetzner action. */
  hetznerActionMs?: number;
  ports?: { auth: number; skillpod: number; cockpit: number };
  /** Port of the S3 peer; 0 (the default) picks a free one. */
  s3Port?: number;
  /** The S3 peer's credentials; random ones when unset. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
  /** More variables for the services, such as `TENANT_SHRED_DELAY_HOURS`. */
  extraServiceEnv?: Record<string, string>;
  /** Appends the services' log lines to this file. */
  servicesLogFile?: string;
}

export interface Stack {
  urls: { auth: string; skillpod: string; cockpit: string };
  databaseUrl: string;
  hetznerApiUrl: string;
  hetznerToken: string;
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  /** The environment the services run with: the same variables a production deployment sets. */
  serviceEnv: Record<string, string>;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Invalid database name "${name}": use 1 to 63 lowercase letters, digits or underscores`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Copies a process's output lines, from the first one on, into a log file. */
function appendOutput(managed: ManagedProcess, file: string): void {
  const log = createWriteStream(file, { flags: 'a' });
  log.write(`${managed.output.join('\n')}\n`);
  managed.child.stdout?.pipe(log, { end: false });
  managed.child.stderr?.pipe(log, { end: false });
  managed.child.once('exit', () => log.end());
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Starts the production-like stack, each part as its own process on 127.0.0.1: the strict S3 peer in
 * its R2 profile, the Hetzner API simulator, and the three services configured only through
 * environment variables with NODE_ENV=production, on the given PostgreSQL and Redis.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const processes: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const managed of [...processes].reverse()) await managed.stop();
  };

  await mkdir(options.dataDir, { recursive: true });
  await ensureDatabase(options.adminDatabaseUrl, options.databaseName);
  const databaseUrl = withDatabase(options.adminDatabaseUrl, options.databaseName);
  const s3Credentials = options.s3Credentials ?? {
    accessKeyId: `STACK${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(24).toString('base64url'),
  };
  const hetznerToken = randomBytes(32).toString('hex');

  try {
    const s3 = await startProcess({
      name: 's3-peer',
      command: process.execPath,
      args: tsEntry('packages/testing/src/s3/main.ts'),
      env: {
        ...process.env,
        S3_PEER_PORT: String(options.s3Port ?? 0),
        S3_PEER_PROFILE: 'r2',
        S3_PEER_BUCKETS: Object.values(STACK_BUCKETS).join(','),
        S3_PEER_ACCESS_KEY_ID: s3Credentials.accessKeyId,
        S3_PEER_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey,
        S3_PEER_DATA_DIR: path.join(options.dataDir, 's3'),
      },
      ready: /"endpoint":"(http:\/\/127\.0\.0\.1:\d+)"/,
    });
    processes.push(s3.process);
    const s3Endpoint = s3.match[1] as string;

    const hetzner = await startProcess({
      name: 'hetzner-simulator',
      command: process.execPath,
      args: tsEntry('packages/testing/src/hetzner/main.ts'),
      env: {
        ...process.env,
        PORT: '0',
        TOKEN: hetznerToken,
        HETZNER_SIM_DURATION_MS: String(options.hetznerActionMs ?? 300),
        HETZNER_SIM_NODES: 'fsn1:2',
        HETZNER_SIM_VALIDATE: '1',
      },
      ready: /^HETZNER_API_URL=(\S+)$/,
    });
    processes.push(hetzner.process);
    const hetznerApiUrl = hetzner.match[1] as string;

    const ports = options.ports ?? { auth: 3001, skillpod: 3003, cockpit: 3004 };
    const serviceEnv: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      AUTH_PORT: String(ports.auth),
      SKILLPOD_PORT: String(ports.skillpod),
      COCKPIT_PORT: String(ports.cockpit),
      DATABASE_URL: databaseUrl,
      REDIS_URL: options.redisUrl,
      S3_ENDPOINT: s3Endpoint,
      S3_REGION: 'auto',
      R2_ACCESS_KEY_ID: s3Credentials.accessKeyId,
      R2_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_BUCKET_UPLOADS: STACK_BUCKETS.uploads,
      S3_BUCKET_ASSETS: STACK_BUCKETS.assets,
      S3_BUCKET_RECORDINGS: STACK_BUCKETS.recordings,
      S3_BUCKET: STACK_BUCKETS.invoices,
      ENCRYPTION_MASTER_KEY: options.masterKeyHex,
      HETZNER_API_TOKEN: hetznerToken,
      HETZNER_API_URL: hetznerApiUrl,
      HETZNER_LOCATION: 'fsn1',
      HETZNER_VOLUME_SIZE: '10',
      AUTH_JWKS_URL: `http://127.0.0.1:${ports.auth}/.well-known/jwks.json`,
      ...options.extraServiceEnv,
    };
    const services = await startProcess({
      name: 'services',
      command: process.execPath,
      args: [path.join(repositoryRoot, 'tools/cli/bin/skillancer.js'), 'start'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...serviceEnv },
      ready: /"name":"cockpit-svc".*"msg":"service listening"/,
      timeoutMs: 120_000,
    });
    processes.push(services.process);
    if (options.servicesLogFile) appendOutput(services.process, options.servicesLogFile);

    return {
      urls: {
        auth: `http://127.0.0.1:${ports.auth}`,
        skillpod: `http://127.0.0.1:${ports.skillpod}`,
        cockpit: `http://127.0.0.1:${ports.cockpit}`,
      },
      databaseUrl,
      hetznerApiUrl,
      hetznerToken,
      s3: { endpoint: s3Endpoint, ...s3Credentials },
      serviceEnv,
      processes,
      stop: async () => {
        await stopAll();
        if (options.dropDatabaseOnStop) await dropDatabase(options.adminDatabaseUrl, options.databaseName);
      },
    };
  } catch (error) {
    await stopAll();
    if (options.dropDatabaseOnStop)
      await dropDatabase(options.adminDatabaseUrl, options.databaseName).catch(() => undefined);
    throw error;
  }
}
