import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('npm start', () => {
  let dataDir: string | undefined;
  let npm: ManagedProcess | undefined;

  afterAll(async () => {
    await npm?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'stops the services on SIGTERM to npm',
    async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-npm-start-'));
      const authPort = await freePort();
      const started = await startProcess({
        name: 'npm start',
        command: 'npm',
        args: ['start'],
        cwd: repositoryRoot,
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
      npm = started.process;
      const { child, output } = npm;
      // The output pipe closes only once every process that inherited it (npm, its shell and the
      // server) has exited, so a server orphaned by npm keeps it open.
      const pipeClosed = once(child.stdout ?? child, 'close');

      child.kill('SIGTERM');
      const closed = await Promise.race([
        pipeClosed.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000)),
      ]);

      expect(closed).toBe(true);
      expect(await portClosed(authPort)).toBe(true);
      expect(output.some((line) => line.includes('"msg":"shutdown complete"'))).toBe(true);
    },
    TIMEOUT_MS,
  );
});
