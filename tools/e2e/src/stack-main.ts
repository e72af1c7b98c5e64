/**
 * `npm run stack`: starts the production-like set-up for a developer and keeps it running until
 * Ctrl-C. It uses the machine's PostgreSQL (STACK_POSTGRES_URL, a role that may create databases)
 * and Redis (STACK_REDIS_URL), and keeps the S3 peer's objects and credentials, the master key and the
 * service logs under .data/stack (STACK_DATA_DIR). The services listen on AUTH_PORT, SKILLPOD_PORT and
 * COCKPIT_PORT and the S3 peer on STACK_S3_PORT. To start over, drop the printed database and delete
 * the data folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startStack } from './stack.js';
import { loadStackS3Credentials, stackPortsFromEnv } from './stack-settings.js';

const dataDir = path.resolve(process.env.STACK_DATA_DIR ?? '.data/stack');

/**
 * The stack's database is tied to its data folder, because the master key kept there must match the
 * keys the database was written with; two checkouts on one machine then get two databases.
 */
const databaseName =
  process.env.STACK_DATABASE ??
  `skillancer_stack_${createHash('sha256').update(dataDir).digest('hex').slice(0, 10)}`;

async function stackMasterKey(): Promise<string> {
  const file = path.join(dataDir, 'master-key.hex');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dataDir, { recursive: true });
    const key = randomBytes(32).toString('hex');
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

try {
  const { s3: s3Port, ...ports } = stackPortsFromEnv(process.env);
  const stack = await startStack({
    dataDir,
    adminDatabaseUrl: process.env.STACK_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    databaseName,
    servicesLogFile: path.join(dataDir, 'services.log'),
    redisUrl: process.env.STACK_REDIS_URL ?? 'redis://127.0.0.1:6379',
    masterKeyHex: await stackMasterKey(),
    ports,
    s3Port,
    s3Credentials: await loadStackS3Credentials(dataDir),
  });
  const lines = [
    '',
    'Production-like stack is running (PostgreSQL, Redis, S3 peer in its R2 profile, Hetzner simulator):',
    `  auth-svc      ${stack.urls.auth}   API docs: ${stack.urls.auth}/docs`,
    `  skillpod-svc  ${stack.urls.skillpod}   API docs: ${stack.urls.skillpod}/docs`,
    `  cockpit-svc   ${stack.urls.cockpit}   API docs: ${stack.urls.cockpit}/docs`,
    `  S3 peer       ${stack.s3.endpoint}`,
    `  Hetzner API   ${stack.hetznerApiUrl}`,
    `  PostgreSQL    database ${databaseName}`,
    `  Service logs  ${path.join(dataDir, 'services.log')}`,
    '',
    'The services run with these variables (secrets shortened):',
    ...Object.entries(stack.serviceEnv).map(([name, value]) =>
      /KEY|TOKEN|SECRET/.test(name) ? `  ${name}=${value.slice(0, 4)}…` : `  ${name}=${value}`,
    ),
    '',
    `Run the smoke test against it: npm run smoke -- --auth-url ${stack.urls.auth} --skillpod-url ${stack.urls.skillpod} --cockpit-url ${stack.urls.cockpit}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const stop = () => {
    process.stdout.write('\nStopping the stack…\n');
    void stack.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
