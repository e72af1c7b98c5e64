import { z } from 'zod';
import { publicBaseUrl } from './public-url.js';

/** The services that read configuration; `cli` is the `skillancer` command. */
export type ServiceName = 'auth-svc' | 'skillpod-svc' | 'cockpit-svc' | 'cli';

const ALL: readonly ServiceName[] = ['auth-svc', 'skillpod-svc', 'cockpit-svc', 'cli'];

/** One environment variable: its schema, documentation and the services that read it. */
export interface VariableSpec {
  name: string;
  schema: z.ZodType;
  type: string;
  description: string;
  /** The default as written in docs, or undefined when the variable has none. */
  defaultText?: string;
  example: string;
  services: readonly ServiceName[];
  secret?: boolean;
}

const HEX_KEY_MESSAGE =
  'must be 64 hexadecimal characters (32 bytes); generate one with: openssl rand -hex 32';

const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, { error: HEX_KEY_MESSAGE });

const port = z.coerce
  .number({ error: 'must be a port number between 1 and 65535' })
  .int({ error: 'must be a whole port number between 1 and 65535' })
  .min(1, { error: 'must be a port number between 1 and 65535' })
  .max(65535, { error: 'must be a port number between 1 and 65535' });

const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `must be a whole number of ${what}` })
    .int({ error: `must be a whole number of ${what}` })
    .positive({ error: `must be a positive whole number of ${what}` });

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

const url = (schemes: readonly string[], hint: string) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    {
      error: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}, for example ${hint}`,
    },
  );

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  error: 'must be a bucket name of 3-63 lowercase letters, digits, dots or hyphens',
});

/**
 * Every environment variable the platform reads. The names are the platform's existing ones
 * (see `.env.example` and the Kubernetes secrets template); docs/configuration.md is generated from this list.
 */
export const VARIABLES: readonly VariableSpec[] = [
  {
    name: 'NODE_ENV',
    schema: z.enum(['development', 'test', 'production'], {
      error: 'must be one of development, test, production',
    }),
    type: 'enum',
    description:
      'Run mode. In production the embedded PGlite database, filesystem storage and a generated master key are rejected; local volumes are allowed, and `skillancer doctor` warns about them.',
    defaultText: 'development',
    example: 'production',
    services: ALL,
  },
  {
    name: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    }),
    type: 'enum',
    description: 'Minimum level of the JSON log lines written to standard output.',
    defaultText: 'info',
    example: 'debug',
    services: ALL,
  },
  {
    name: 'HOST',
    schema: z.string().min(1, { error: 'must not be empty' }),
    type: 'string',
    description: 'Address the HTTP servers listen on.',
    defaultText: '127.0.0.1 (0.0.0.0 in production)',
    example: '0.0.0.0',
    services: ['auth-svc', 'skillpod-svc', 'cockpit-svc'],
  },
  {
    name: 'TRUST_PROXY',
    schema: z
      .string()
      .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/, {
        error:
          'must be true, false, a number of proxy hops, or comma-separated proxy addresses or CIDR ranges',
      })
      .transform((value): boolean | number | string => {
        if (value === 'true' || value === 'false') return value === 'true';
        return /^\d+$/.test(value) ? Number(value) : value;
      }),
    type: 'string',
    description:
      'Which proxies in front of the services to trust for the client address (X-Forwarded-For): true for all, a hop count, or addresses and CIDR ranges such as the ingress pods. Login rate limits per IP need it behind an ingress.',
    defaultText: 'false',
    example: '10.42.0.0/16',
    services: ['auth-svc', 'skillpod-svc', 'cockpit-svc'],
  },
  {
    name: 'PORT',
    schema: port,
    type: 'port',
    description:
      'Port of a service started on its own (`skillancer start auth-svc`). Overrides the per-service port. When several services start in one process, each listens on its own port variable.',
    example: '8080',
    services: ['auth-svc', 'skillpod-svc', 'cockpit-svc'],
  },
  {
    name: 'AUTH_PORT',
    schema: port,
    type: 'port',
    description: 'Port of auth-svc.',
    defaultText: '3001',
    example: '3001',
    services: ['auth-svc'],
  },
  {
    name: 'SKILLPOD_PORT',
    schema: port,
    type: 'port',
    description: 'Port of skillpod-svc.',
    defaultText: '3003',
    example: '3003',
    services: ['skillpod-svc'],
  },
  {
    name: 'COCKPIT_PORT',
    schema: port,
    type: 'port',
    description: 'Port of cockpit-svc.',
    defaultText: '3004',
    example: '3004',
    services: ['cockpit-svc'],
  },
  {
    name: 'AUTH_PUBLIC_URL',
    schema: publicBaseUrl('/auth'),
    type: 'url',
    description:
      'Base URL at which clients reach auth-svc, when that is not its listen address: behind a proxy, through a container port mapping or from another machine. On filesystem storage the avatar and portfolio image links start with it (`<URL>/files/uploads/…`), so the proxy must forward that path to auth-svc. Without it the links use HOST (127.0.0.1 for 0.0.0.0 or ::) and the port auth-svc listens on.',
    defaultText: 'http://HOST:AUTH_PORT',
    example: 'https://dev.skillancer.example',
    services: ['auth-svc'],
  },
  {
    name: 'COCKPIT_PUBLIC_URL',
    schema: publicBaseUrl('/cockpit'),
    type: 'url',
    description:
      'Base URL at which clients reach cockpit-svc, when that is not its listen address: behind a proxy, through a container port mapping or from another machine. On filesystem storage the invoice PDF links start with it (`<URL>/files/invoices/…`), so the proxy must forward that path to cockpit-svc. Without it the links use HOST (127.0.0.1 for 0.0.0.0 or ::) and the port cockpit-svc listens on.',
    defaultText: 'http://HOST:COCKPIT_PORT',
    example: 'https://dev.skillancer.example',
    services: ['cockpit-svc'],
  },
  {
    name: 'DATA_DIR',
    schema: z.string().min(1, { error: 'must not be empty' }),
    type: 'path',
    description:
      'Folder for the embedded defaults: PGlite under db/, filesystem objects under objects/, local volumes under volumes/, the development master key.',
    defaultText: './.data',
    example: '/var/lib/skillancer',
    services: ALL,
  },
  {
    name: 'DATABASE_URL',
    schema: url(['postgres', 'postgresql'], 'postgres://skillancer:secret@db:5432/skillancer'),
    type: 'url',
    description: 'PostgreSQL connection URL. Without it the services use embedded PGlite under DATA_DIR/db.',
    example: 'postgres://skillancer:secret@127.0.0.1:5432/skillancer',
    services: ALL,
    secret: true,
  },
  {
    name: 'DATABASE_POOL_SIZE',
    schema: positiveInt('connections'),
    type: 'integer',
    description: 'Maximum PostgreSQL connections per service process.',
    defaultText: '10',
    example: '20',
    services: ALL,
  },
  {
    name: 'REDIS_URL',
    schema: url(['redis', 'rediss'], 'redis://127.0.0.1:6379'),
    type: 'url',
    description:
      'Redis for login rate limits shared by replicas. Without it the limits are kept in memory per process.',
    example: 'redis://127.0.0.1:6379',
    services: ['auth-svc'],
    secret: true,
  },
  {
    name: 'OBJECT_STORAGE_DRIVER',
    schema: z.enum(['filesystem', 's3'], { error: 'must be filesystem or s3' }),
    type: 'enum',
    description: 'Object storage backend.',
    defaultText: 's3 when S3_ENDPOINT is set, else filesystem',
    example: 's3',
    services: ALL,
  },
  {
    name: 'S3_ENDPOINT',
    schema: url(['http', 'https'], 'https://<account-id>.r2.cloudflarestorage.com'),
    type: 'url',
    description: 'S3-compatible endpoint: Cloudflare R2, MinIO, LocalStack or AWS.',
    example: 'https://0123456789abcdef.r2.cloudflarestorage.com',
    services: ALL,
  },
  {
    name: 'S3_REGION',
    schema: z.string().min(1, { error: 'must not be empty' }),
    type: 'string',
    description: 'Region for request signing; `auto` for R2.',
    defaultText: 'auto',
    example: 'auto',
    services: ALL,
  },
  {
    name: 'S3_ACCESS_KEY_ID',
    schema: z.string().min(1, { error: 'must not be empty' }),
    type: 'string',
    description: 'Access key id for the S3-compatible store. `R2_ACCESS_KEY_ID` is accepted as an alias.',
    example: 'a1b2c3d4e5f6',
    services: ALL,
    secret: true,
  },
  {
    name: 'S3_SECRET_ACCESS_KEY',
    schema: z.string().min(1, { error: 'must not be empty' }),
    type: 'string',
    description:
      'Secret access key for the S3-compatible store. `R2_SECRET_ACCESS_KEY` is accepted as an alias.',
    example: '(secret)',
    services: ALL,
    secret: true,
  },
  {
    name: 'S3_FORCE_PATH_STYLE',
    schema: booleanFlag,
    type: 'boolean',
    description:
      'Address buckets as a path (`endpoint/bucket/key`) instead of a subdomain; needed by MinIO and LocalStack.',
    defaultText: 'false',
    example: 'true',
    services: ALL,
  },
  {
    name: 'S3_CDN_URL',
    schema: url(['http', 'https'], 'https://cdn.example.com'),
    type: 'url',
    description:
      'Public base URL of the assets served through a CDN. Without it the services hand out short-lived presigned URLs.',
    example: 'https://cdn.skillancer.example',
    services: ['auth-svc'],
  },
  {
    name: 'S3_BUCKET_UPLOADS',
    schema: bucketName,
    type: 'bucket',
    description: 'Bucket for user uploads: avatars and portfolio images.',
    defaultText: 'skillancer-uploads',
    example: 'skillancer-uploads',
    services: ['auth-svc'],
  },
  {
    name: 'S3_BUCKET_ASSETS',
    schema: bucketName,
    type: 'bucket',
    description:
      'Bucket reserved for public platform assets. No service reads or writes it yet: `skillancer doctor` checks that it exists, and `skillancer storage migrate --to assets` copies into it.',
    defaultText: 'skillancer-assets',
    example: 'skillancer-assets',
    services: ['cli'],
  },
  {
    name: 'S3_BUCKET_RECORDINGS',
    schema: bucketName,
    type: 'bucket',
    description: 'Bucket for encrypted SkillPod session recordings.',
    defaultText: 'skillancer-recordings',
    example: 'skillancer-recordings',
    services: ['skillpod-svc'],
  },
  {
    name: 'S3_BUCKET',
    schema: bucketName,
    type: 'bucket',
    description: 'Bucket for invoice PDFs.',
    defaultText: 'skillancer-invoices',
    example: 'skillancer-invoices',
    services: ['cockpit-svc'],
  },
  {
    name: 'ENCRYPTION_MASTER_KEY',
    schema: hexKey,
    type: 'hex key',
    description:
      'Master key-encryption key, 32 bytes as 64 hex characters. It wraps the tenant data keys and the token signing keys. Without it a development key is generated into DATA_DIR (rejected in production).',
    example: '(generate with: openssl rand -hex 32)',
    services: ALL,
    secret: true,
  },
  {
    name: 'ENCRYPTION_MASTER_KEY_PREVIOUS',
    schema: z
      .string()
      .transform((value) => value.split(',').map((key) => key.trim()))
      .pipe(z.array(hexKey)),
    type: 'hex keys',
    description:
      'Earlier master keys, comma-separated, still accepted for unwrapping while `skillancer keys rotate-master` rewraps everything under the current key.',
    example: '(the previous ENCRYPTION_MASTER_KEY)',
    services: ALL,
    secret: true,
  },
  {
    name: 'VOLUME_PROVIDER',
    schema: z.enum(['local', 'hetzner'], { error: 'must be local or hetzner' }),
    type: 'enum',
    description: 'Where SkillPod volumes live.',
    defaultText: 'hetzner when HETZNER_API_TOKEN is set, else local (DATA_DIR/volumes)',
    example: 'hetzner',
    services: ['skillpod-svc', 'cli'],
  },
  {
    name: 'HETZNER_API_TOKEN',
    schema: z.string().regex(/^[A-Za-z0-9]{16,128}$/, {
      error:
        'must be a Hetzner Cloud API token of 16 to 128 letters and digits; create one in the Hetzner Console under Security > API tokens',
    }),
    type: 'string',
    description:
      'Hetzner Cloud API token with read and write access to the project that holds the SkillPod nodes.',
    example: '(secret)',
    services: ['skillpod-svc', 'cli'],
    secret: true,
  },
  {
    name: 'HETZNER_API_URL',
    schema: url(['http', 'https'], 'https://api.hetzner.cloud/v1'),
    type: 'url',
    description: 'Base URL of the Hetzner Cloud API.',
    defaultText: 'https://api.hetzner.cloud/v1',
    example: 'https://api.hetzner.cloud/v1',
    services: ['skillpod-svc', 'cli'],
  },
  {
    name: 'HETZNER_LOCATION',
    schema: z.string().regex(/^([a-z]{3}[0-9]|ash|hil|sin)$/, {
      error: 'must be a Hetzner location name such as fsn1, nbg1, hel1, ash, hil or sin',
    }),
    type: 'string',
    description: 'Location of new SkillPod volumes; the SkillPod nodes must be in the same location.',
    defaultText: 'fsn1',
    example: 'nbg1',
    services: ['skillpod-svc'],
  },
  {
    name: 'HETZNER_VOLUME_SIZE',
    schema: z.coerce
      .number({ error: 'must be a whole number of GB between 10 and 10240' })
      .int({ error: 'must be a whole number of GB between 10 and 10240' })
      .min(10, { error: 'must be at least 10 GB, the smallest Hetzner volume' })
      .max(10240, { error: 'must be at most 10240 GB, the largest Hetzner volume' }),
    type: 'integer (GB)',
    description: 'Default size of a new SkillPod volume.',
    defaultText: '10',
    example: '50',
    services: ['skillpod-svc'],
  },
  {
    name: 'SKILLPOD_NODE_SELECTOR',
    schema: z.string().min(1, { error: 'must be a Hetzner label selector such as role=skillpod-node' }),
    type: 'label selector',
    description: 'Label selector of the servers that host SkillPods and get their volumes attached.',
    defaultText: 'skillancer.io/role=skillpod-node',
    example: 'skillancer.io/role=skillpod-node',
    services: ['skillpod-svc'],
  },
  {
    name: 'AUTH_JWKS_URL',
    schema: url(['http', 'https'], 'http://auth-svc:3001/.well-known/jwks.json'),
    type: 'url',
    description:
      "URL of auth-svc's public signing keys, used by skillpod-svc and cockpit-svc to verify access tokens.",
    defaultText: 'http://127.0.0.1:AUTH_PORT/.well-known/jwks.json',
    example: 'http://auth-svc:3001/.well-known/jwks.json',
    services: ['skillpod-svc', 'cockpit-svc'],
  },
  {
    name: 'JWT_ISSUER',
    schema: z.string().min(1, { error: 'must not be empty' }),
    type: 'string',
    description: 'Issuer (`iss`) written into and required in access tokens.',
    defaultText: 'skillancer-auth',
    example: 'https://auth.skillancer.example',
    services: ['auth-svc', 'skillpod-svc', 'cockpit-svc'],
  },
  {
    name: 'ACCESS_TOKEN_TTL',
    schema: positiveInt('seconds').max(3600, {
      error: 'must be at most 3600 seconds; access tokens are short-lived',
    }),
    type: 'integer (s)',
    description: 'Lifetime of an access token.',
    defaultText: '900',
    example: '600',
    services: ['auth-svc'],
  },
  {
    name: 'REFRESH_TOKEN_TTL',
    schema: positiveInt('seconds'),
    type: 'integer (s)',
    description: 'Lifetime of a refresh token.',
    defaultText: '2592000 (30 days)',
    example: '1209600',
    services: ['auth-svc'],
  },
  {
    name: 'RECORDING_RETENTION_DAYS',
    schema: positiveInt('days'),
    type: 'integer (days)',
    description: 'Default retention of session recordings for tenants without their own policy.',
    defaultText: '90',
    example: '30',
    services: ['skillpod-svc'],
  },
  {
    name: 'TENANT_SHRED_DELAY_HOURS',
    schema: z.coerce.number({ error: 'must be a number of hours' }).min(0, { error: 'must not be negative' }),
    type: 'number (h)',
    description:
      'Waiting period between a tenant erasure request and the destruction of its keys; can be cancelled meanwhile.',
    defaultText: '72',
    example: '168',
    services: ['auth-svc', 'cli'],
  },
];

/** Variables accepted under another name; the value of the alias is used when the main name is unset. */
export const ALIASES: Readonly<Record<string, string>> = {
  R2_ACCESS_KEY_ID: 'S3_ACCESS_KEY_ID',
  R2_SECRET_ACCESS_KEY: 'S3_SECRET_ACCESS_KEY',
};
