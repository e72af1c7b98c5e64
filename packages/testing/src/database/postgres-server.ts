import { randomBytes } from 'node:crypto';
import { type Database, openDatabase } from '@skillancer/database';

/** Returns the URL of the server on which the PostgreSQL tests create and drop their databases. */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** True when `REQUIRE_POSTGRES=1`: an unreachable server then fails the tests instead of skipping them. */
export function postgresRequired(): boolean {
  return process.env.REQUIRE_POSTGRES === '1';
}

export type PostgresAvailability = { available: true } | { available: false; reason: string };

let availability: Promise<PostgresAvailability> | undefined;

/** Checks once per process whether the test server accepts connections. */
export function checkPostgres(): Promise<PostgresAvailability> {
  availability ??= probe();
  return availability;
}

async function probe(): Promise<PostgresAvailability> {
  let admin: Database | undefined;
  try {
    admin = await openDatabase({ url: testServerUrl(), poolSize: 1, connectTimeoutMs: 3000 });
    await admin.ping();
    return { available: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      available: false,
      reason: `PostgreSQL from TEST_DATABASE_URL is unavailable: ${reason}`,
    };
  } finally {
    await admin?.close();
  }
}

/** Creates an empty database with a random name on the test server and returns its URL. */
export async function createServerDatabase(): Promise<{ name: string; url: string }> {
  // Other test processes share the server, so names are random; the prefix marks them as disposable.
  const name = `skillancer_test_${randomBytes(8).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops a database made by `createServerDatabase`, ending any connections still open to it. */
export async function dropServerDatabase(name: string): Promise<void> {
  if (!/^skillancer_test_[0-9a-f]{16}$/.test(name)) {
    throw new Error(`Refusing to drop ${name}: it is not a database made by createServerDatabase().`);
  }
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function withAdmin<T>(work: (admin: Database) => Promise<T>): Promise<T> {
  const admin = await openDatabase({ url: testServerUrl(), poolSize: 1, connectTimeoutMs: 5000 });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}
