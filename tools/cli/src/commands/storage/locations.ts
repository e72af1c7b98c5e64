import type { Environment, PlatformConfig } from '@skillancer/config';
import { createObjectStore, normalizePrefix, type ObjectStore } from '@skillancer/object-storage';
import { CliError } from '../../runtime/io.js';

/** A source or target of a migration: the store of one bucket and a key prefix in it. */
export interface StoreLocation {
  /** For reports, such as `s3://old-bucket/avatars/ at https://s3.eu-central-1.amazonaws.com`; never a secret. */
  description: string;
  /** The store's endpoint URL, or the filesystem root; for error messages. */
  endpoint: string;
  /** Key prefix, empty for the whole bucket. */
  prefix: string;
  /** True when the text named a prefix. A target without one keeps the source's prefix. */
  prefixGiven: boolean;
  open(): ObjectStore;
}

/** Connection flags of the source, for stores without SOURCE_S3_* variables. */
export interface SourceFlags {
  sourceEndpoint?: string;
  sourceRegion?: string;
  sourceAccessKeyId?: string;
  sourcePathStyle?: boolean;
}

const BUCKET_ROLES = ['uploads', 'assets', 'recordings', 'invoices'] as const;
type BucketRole = (typeof BUCKET_ROLES)[number];
const ENV_PREFIX = /^[A-Z][A-Z0-9_]*$/;
/** S3 part size and parallel parts per object: memory per object is about (2 + 2) × 8 MiB. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

interface S3Connection {
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/**
 * Parses the `--from` value: `s3://bucket[/prefix]` with the connection from SOURCE_S3_* variables
 * and the `--source-*` flags, or an environment prefix NAME with NAME_ENDPOINT, NAME_REGION,
 * NAME_ACCESS_KEY_ID, NAME_SECRET_ACCESS_KEY, NAME_BUCKET, NAME_PREFIX and NAME_FORCE_PATH_STYLE.
 */
export function parseSource(text: string, env: Environment, flags: SourceFlags): StoreLocation {
  if (text.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(text, '--from');
    const connection = connectionFromEnv('SOURCE_S3', env, flags);
    return s3Location(bucket, prefix, text, connection);
  }
  const name = envPrefixOf(text, '--from');
  const bucket = requireVariable(env, `${name}_BUCKET`);
  const prefix = env[`${name}_PREFIX`] ?? '';
  const connection = connectionFromEnv(name, env, name === 'SOURCE_S3' ? flags : {});
  return s3Location(bucket, prefix, `s3://${bucket}/${prefix}`, connection);
}

/**
 * Parses the `--to` value: a bucket of the platform (`uploads`, `assets`, `recordings` or
 * `invoices`, optionally followed by `/prefix`) in the configured store, `s3://bucket[/prefix]` in
 * the configured store, or an environment prefix as for `--from`.
 */
export function parseTarget(text: string, env: Environment, config: PlatformConfig): StoreLocation {
  const [first = '', ...rest] = text.split('/');
  if ((BUCKET_ROLES as readonly string[]).includes(first)) {
    const bucket = config.storage.buckets[first as BucketRole];
    return configuredLocation(config, bucket, rest.join('/'), text.includes('/'));
  }
  if (text.startsWith('s3://')) {
    const { bucket, prefix, prefixGiven } = parseS3Url(text, '--to');
    return configuredLocation(config, bucket, prefix, prefixGiven);
  }
  const name = envPrefixOf(text, '--to');
  const bucket = requireVariable(env, `${name}_BUCKET`);
  const prefix = env[`${name}_PREFIX`];
  const location = s3Location(
    bucket,
    prefix ?? '',
    `s3://${bucket}/${prefix ?? ''}`,
    connectionFromEnv(name, env, {}),
  );
  return { ...location, prefixGiven: prefix !== undefined };
}

function configuredLocation(
  config: PlatformConfig,
  bucket: string,
  prefix: string,
  prefixGiven: boolean,
): StoreLocation {
  const { storage } = config;
  if (storage.driver === 'filesystem') {
    return {
      description: `filesystem bucket ${bucket}/${prefix} under ${storage.rootDir}`,
      endpoint: storage.rootDir,
      prefix: checkedPrefix(prefix, '--to'),
      prefixGiven,
      open: () => createObjectStore({ driver: 'filesystem', bucket, rootDir: storage.rootDir }),
    };
  }
  return s3Location(
    bucket,
    prefix,
    `s3://${bucket}/${prefix}`,
    {
      endpoint: storage.endpoint,
      region: storage.region,
      accessKeyId: storage.accessKeyId,
      secretAccessKey: storage.secretAccessKey,
      forcePathStyle: storage.forcePathStyle,
    },
    prefixGiven,
  );
}

function s3Location(
  bucket: string,
  prefix: string,
  url: string,
  connection: S3Connection,
  prefixGiven = prefix !== '',
): StoreLocation {
  return {
    description: `${url} at ${connection.endpoint ?? 'AWS S3'}`,
    endpoint: connection.endpoint ?? 'AWS S3',
    prefix: checkedPrefix(prefix, url),
    prefixGiven,
    open: () =>
      createObjectStore({
        driver: 's3',
        bucket,
        ...connection,
        partSizeBytes: PART_SIZE,
        queueSize: QUEUE_SIZE,
      }),
  };
}

function parseS3Url(text: string, option: string): { bucket: string; prefix: string; prefixGiven: boolean } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (match === null) {
    throw new CliError(`${option} ${text} is not an s3://bucket/prefix URL with a valid bucket name`);
  }
  return { bucket: match[1] as string, prefix: match[2] ?? '', prefixGiven: (match[2] ?? '') !== '' };
}

function envPrefixOf(text: string, option: string): string {
  const name = text.startsWith('env:') ? text.slice(4) : text;
  if (!ENV_PREFIX.test(name)) {
    throw new CliError(
      `${option} ${text} is neither an s3://bucket/prefix URL nor an environment prefix such as SOURCE_S3${option === '--to' ? ', uploads, assets, recordings or invoices' : ''}`,
    );
  }
  return name;
}

function checkedPrefix(prefix: string, where: string): string {
  try {
    return normalizePrefix(prefix);
  } catch (error) {
    throw new CliError(
      `the prefix of ${where} is invalid: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function requireVariable(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new CliError(`${name} is missing: set it to the bucket name`);
  return value;
}

function connectionFromEnv(name: string, env: Environment, flags: SourceFlags): S3Connection {
  const endpoint = flags.sourceEndpoint ?? nonEmpty(env[`${name}_ENDPOINT`]);
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new CliError(`the endpoint of ${name} must be an http:// or https:// URL, got ${endpoint}`);
  }
  const region =
    flags.sourceRegion ?? nonEmpty(env[`${name}_REGION`]) ?? (endpoint === undefined ? undefined : 'auto');
  if (region === undefined) {
    throw new CliError(`${name}_REGION is missing: AWS S3 needs the bucket's region, such as eu-central-1`);
  }
  const accessKeyId = flags.sourceAccessKeyId ?? nonEmpty(env[`${name}_ACCESS_KEY_ID`]);
  const secretAccessKey = nonEmpty(env[`${name}_SECRET_ACCESS_KEY`]);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new CliError(
      `set both ${name}_ACCESS_KEY_ID and ${name}_SECRET_ACCESS_KEY, or neither to use the AWS default credential chain`,
    );
  }
  const pathStyle = env[`${name}_FORCE_PATH_STYLE`];
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: flags.sourcePathStyle ?? (pathStyle === 'true' || pathStyle === '1'),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
