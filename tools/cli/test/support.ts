import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PlatformConfig } from '@skillancer/config';
import { type Database, openDatabase, openPglite, type Queryable } from '@skillancer/database';
import { pgliteSnapshot } from '@skillancer/testing/database';
import { main } from '../src/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with exactly `env` (nothing inherited from the test process). */
export async function runCli(
  argv: readonly string[],
  env: Record<string, string>,
  options: {
    database?: Database;
    /** Sees every stderr write first; a throw from it interrupts the command there, like a crash. */
    onStderr?: (text: string) => void;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const { database, onStderr } = options;
  const code = await main(argv, {
    env,
    cwd: tmpdir(),
    ...(database === undefined ? {} : { openDatabase: async (_config: PlatformConfig) => lend(database) }),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: {
      write: (text: string) => {
        onStderr?.(text);
        stderr += text;
      },
    },
  });
  return { code, stdout, stderr };
}

/** Returns a port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A temporary DATA_DIR with an embedded PGlite database, migrated unless `migrated` is false. */
export interface DataDir {
  path: string;
  /** Opens the embedded database; close it before running a CLI command on the same directory. */
  open(): Promise<Database>;
  remove(): Promise<void>;
}

export async function createDataDir(options: { migrated?: boolean } = {}): Promise<DataDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'skillancer-cli-'));
  const dataDir = path.join(dir, 'db');
  // Starting from a snapshot skips initdb, which takes seconds.
  const snapshot = await pgliteSnapshot((options.migrated ?? true) ? 'migrated' : 'empty');
  await (await openPglite({ dataDir, loadDataDir: snapshot })).close();
  return {
    path: dir,
    open: () => openDatabase({ dataDir }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Wraps a test's database so that a command can use and "close" it while the test keeps it open. */
export function lend(db: Database): Database {
  return {
    engine: db.engine,
    query: (sql, params) => db.query(sql, params),
    transaction: <T>(work: (tx: Queryable) => Promise<T>, options?: Parameters<Database['transaction']>[1]) =>
      db.transaction(work, options),
    tryWithAdvisoryLock: (lockName, work) => db.tryWithAdvisoryLock(lockName, work),
    ping: () => db.ping(),
    close: async () => undefined,
  };
}

/** Runs `work` on the embedded database of `dataDir` and closes it again. */
export async function withDatabase<T>(dataDir: DataDir, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await dataDir.open();
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Lines of a doctor report that start with the given status label. */
export function linesWith(output: string, label: 'ok' | 'FAILED' | 'WARN' | 'skip'): string[] {
  return output.split('\n').filter((line) => line.startsWith(`${label} `));
}
