import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const LOCK_FILE = 'peer.lock';

/**
 * Takes the data directory for this process by creating `peer.lock` with the process id, and returns
 * the function that releases it. A lock left by a process that no longer runs is replaced. A second
 * peer on the same directory would delete the first peer's files when it cleans up at start, so it is
 * rejected with an error naming the process that holds the lock.
 */
export async function lockDataDirectory(rootDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(rootDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return async () => {
        await rm(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new Error(
        `The S3 peer data directory ${rootDir} is in use by process ${holder}. Stop that peer first, or delete ${lockPath} if no peer runs there.`,
      );
    }
    await rm(lockPath, { force: true });
  }
  throw new Error(
    `Could not lock the S3 peer data directory ${rootDir}: another process keeps creating ${lockPath}.`,
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
