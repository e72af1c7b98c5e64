import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ManagedProcess, startProcess } from '../src/processes.js';
import { freePort } from './support.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TIMEOUT_MS = 180_000;

/** Resolves true when nothing accepts connections on the port any more. */
async function portClosed(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return false;
  } catch {
    return true;
  } finally {
    socket.destroy();
  }
}

/** Starts `npm start` on free ports in a data directory of its own. */
async function startNpm(dataDir: string, options: { detached: boolean }) {
  const authPort = await freePort();
  const started = await startProcess({
    name: 'npm start',
    command: 'npm',
    args: ['start'],
    cwd: repositoryRoot,
    detached: options.detached,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      DATA_DIR: dataDir,
      AUTH_PORT: String(authPort),
      SKILLPOD_PORT: String(await freePort()),
      COCKPIT_PORT: String(await freePort()),
    },
    ready: /"name":"cockpit-svc".*"msg":"service listening"/,
    timeoutMs: 150_000,
  });
  return { npm: started.process, authPort };
}

/**
 * Resolves true once npm's output pipe closes, which happens only when every process that inherited
 * it (npm, its shell and the server) has exited. Resolves false after 30 s.
 */
function allExited(npm: ManagedProcess): Promise<boolean> {
  const pipeClosed = once(npm.child.stdout ?? npm.child, 'close');
  return Promise.race([
    pipeClosed.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000)),
  ]);
}

describe('npm start', () => {
  let dataDir: string | undefined;
  let npm: ManagedProcess | undefined;

  afterEach(async () => {
    await npm?.stop();
    // After a failure the server may outlive npm; its process group ends with it.
    if (npm?.child.pid !== undefined) {
      try {
        process.kill(-npm.child.pid, 'SIGKILL');
      } catch {
        // The group has already exited, or the process had no group of its own.
      }
    }
    npm = undefined;
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'stops the services on SIGTERM to npm',
    async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-npm-start-'));
      const started = await startNpm(dataDir, { detached: false });
      npm = started.npm;
      const exited = allExited(npm);

      npm.child.kill('SIGTERM');

      expect(await exited).toBe(true);
      expect(await portClosed(started.authPort)).toBe(true);
      expect(npm.output.some((line) => line.includes('"msg":"shutdown complete"'))).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'shuts down gracefully on Ctrl-C',
    async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-npm-start-'));
      const started = await startNpm(dataDir, { detached: true });
      npm = started.npm;
      const exited = allExited(npm);

      // A terminal sends Ctrl-C's SIGINT to the whole process group, and npm forwards it again.
      process.kill(-(npm.child.pid ?? 0), 'SIGINT');

      expect(await exited).toBe(true);
      expect(await portClosed(started.authPort)).toBe(true);
      expect(npm.output.some((line) => line.includes('"msg":"shutdown complete"'))).toBe(true);
    },
    TIMEOUT_MS,
  );
});
