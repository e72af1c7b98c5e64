import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listMigrations, migrate, openPglite } from '@skillancer/database';

/**
 * Snapshots of PGlite data directories, so that a test database starts in about half a second
 * instead of running initdb for several seconds.
 *
 * A snapshot is a `dumpDataDir()` tarball, cached on disk under the system temp directory and keyed
 * by the PGlite version and the name and checksum of every migration, so a new or changed migration
 * builds a new snapshot. Vitest runs each test file in a fresh module graph, so the disk cache is what
 * lets later files, and later runs, skip initdb. Concurrent workers may each build the same snapshot
 * once. Each writes it under a temporary name and renames it, so a reader never gets half a file.
 */
const SNAPSHOT_DIRECTORY = join(tmpdir(), 'skillancer-test-snapshots');
/** Snapshots with another key that are older than this are deleted when a new one is written. */
const STALE_AFTER_MS = 60 * 60 * 1000;

const memo = new Map<string, Promise<Blob>>();

/** Returns a snapshot of a cluster with all migrations applied, or of an empty cluster. */
export function pgliteSnapshot(kind: 'migrated' | 'empty'): Promise<Blob> {
  let snapshot = memo.get(kind);
  if (snapshot === undefined) {
    snapshot = loadOrBuild(kind);
    memo.set(kind, snapshot);
    // A failed build is not cached, so the next test file tries again.
    snapshot.catch(() => memo.delete(kind));
  }
  return snapshot;
}

async function loadOrBuild(kind: 'migrated' | 'empty'): Promise<Blob> {
  const key = await snapshotKey(kind);
  const path = join(SNAPSHOT_DIRECTORY, `pglite-${kind}-${key}.tar`);
  try {
    return new Blob([await readFile(path)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }

  const db = await openPglite();
  let snapshot: Blob;
  try {
    if (kind === 'migrated') {
      await migrate(db);
    }
    snapshot = await db.dumpDataDir();
  } finally {
    await db.close();
  }

  await mkdir(SNAPSHOT_DIRECTORY, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, new Uint8Array(await snapshot.arrayBuffer()));
  await rename(temporary, path);
  await deleteStaleSnapshots(path);
  return snapshot;
}

async function snapshotKey(kind: 'migrated' | 'empty'): Promise<string> {
  const hash = createHash('sha256').update(`format 1\npglite ${await pgliteVersion()}\n`);
  if (kind === 'migrated') {
    for (const migration of await listMigrations()) {
      hash.update(`${migration.name} ${migration.checksum}\n`);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

async function pgliteVersion(): Promise<string> {
  // The package's exports map hides package.json, so it is found next to the resolved entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

async function deleteStaleSnapshots(current: string): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(SNAPSHOT_DIRECTORY)) {
    const path = join(SNAPSHOT_DIRECTORY, entry);
    if (path === current || !entry.startsWith('pglite-')) {
      continue;
    }
    try {
      if (now - (await stat(path)).mtimeMs > STALE_AFTER_MS) {
        await unlink(path);
      }
    } catch {
      // Another worker deleted it first.
    }
  }
}
