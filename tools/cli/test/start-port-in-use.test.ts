import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { loadConfig } from '@skillancer/config';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform } from '../src/commands/start.js';
import { CliError } from '../src/runtime/io.js';
import { closedPort, createDataDir, type DataDir } from './support.js';

const TIMEOUT_MS = 60_000;

/** Listens on a free port of 127.0.0.1, so that a service started on it gets EADDRINUSE. */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('start with a port in use', () => {
  let dataDir: DataDir;
  let occupied: { server: Server; port: number } | undefined;

  beforeAll(async () => {
    dataDir = await createDataDir();
  });

  afterEach(async () => {
    occupied?.server.close();
    occupied = undefined;
  });

  afterAll(async () => {
    await dataDir.remove();
  });

  async function startError(env: Record<string, string>, services?: ['auth-svc']): Promise<unknown> {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir.path,
      ENCRYPTION_MASTER_KEY: 'd'.repeat(64),
      ...env,
    });
    return startPlatform(config, services, { installSignalHandlers: false, printBanner: false }).then(
      async (platform) => {
        await platform.stop();
        throw new Error('startPlatform started although a port was in use');
      },
      (error: unknown) => error,
    );
  }

  it(
    'names the service port variable',
    async () => {
      occupied = await occupyPort();
      const error = await startError({
        AUTH_PORT: String(await closedPort()),
        SKILLPOD_PORT: String(occupied.port),
        COCKPIT_PORT: String(await closedPort()),
      });

      expect(error).toBeInstanceOf(CliError);
      expect((error as Error).message).toBe(
        `skillpod-svc failed to listen on 127.0.0.1:${occupied.port}: the port is already in use (EADDRINUSE); stop the process that uses it or set SKILLPOD_PORT to a free port`,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'names PORT for one service',
    async () => {
      occupied = await occupyPort();
      const error = await startError({ PORT: String(occupied.port) }, ['auth-svc']);

      expect(error).toBeInstanceOf(CliError);
      expect((error as Error).message).toContain(`auth-svc failed to listen on 127.0.0.1:${occupied.port}`);
      expect((error as Error).message).toContain('set PORT to a free port');
    },
    TIMEOUT_MS,
  );

  it(
    'frees the ports of services already started',
    async () => {
      occupied = await occupyPort();
      const authPort = await closedPort();
      await startError({
        AUTH_PORT: String(authPort),
        SKILLPOD_PORT: String(await closedPort()),
        COCKPIT_PORT: String(occupied.port),
      });

      const probe = createServer();
      probe.listen(authPort, '127.0.0.1');
      await once(probe, 'listening');
      probe.close();
    },
    TIMEOUT_MS,
  );
});
