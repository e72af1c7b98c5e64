import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Ports that `npm run stack` listens on: the three services and the S3 peer. */
export interface StackPorts {
  auth: number;
  skillpod: number;
  cockpit: number;
  s3: number;
}

/**
 * The S3 peer's default port. It is fixed so that presigned links, which contain the endpoint, still
 * work after the stack restarts. 9310 is outside the ports that MinIO (9000, 9001) and the services
 * (3001 to 3004) use.
 */
export const DEFAULT_STACK_S3_PORT = 9310;

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535) {
    throw new Error(`${name} "${text}" is invalid: use a port number from 1 to 65535`);
  }
  return port;
}

/**
 * Reads the stack's ports from AUTH_PORT, SKILLPOD_PORT and COCKPIT_PORT (the variables that
 * `npm start` reads too, defaults 3001, 3003 and 3004) and STACK_S3_PORT (default 9310).
 */
export function stackPortsFromEnv(env: NodeJS.ProcessEnv): StackPorts {
  return {
    auth: portFromEnv(env, 'AUTH_PORT', 3001),
    skillpod: portFromEnv(env, 'SKILLPOD_PORT', 3003),
    cockpit: portFromEnv(env, 'COCKPIT_PORT', 3004),
    s3: portFromEnv(env, 'STACK_S3_PORT', DEFAULT_STACK_S3_PORT),
  };
}

export interface StackS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

function isCredentials(value: unknown): value is StackS3Credentials {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.accessKeyId === 'string' &&
    record.accessKeyId !== '' &&
    typeof record.secretAccessKey === 'string' &&
    record.secretAccessKey !== ''
  );
}

/**
 * Loads the S3 peer's credentials from `s3-credentials.json` in the data folder, or generates and
 * stores them on the first start. Presigned links are signed with the secret, so keeping it lets
 * links handed out before a restart still work.
 */
export async function loadStackS3Credentials(dataDir: string): Promise<StackS3Credentials> {
  const file = path.join(dataDir, 's3-credentials.json');
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isCredentials(parsed)) {
      throw new Error(
        `${file} is invalid: expected {"accessKeyId":"…","secretAccessKey":"…"}; delete it to generate new credentials`,
      );
    }
    return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey };
  }

  const credentials = {
    accessKeyId: `STACK${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(24).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  return credentials;
}
