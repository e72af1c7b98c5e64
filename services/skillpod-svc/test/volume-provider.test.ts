import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@skillancer/config';
import { ServiceMetrics } from '@skillancer/service-kit';
import { sharedOpenApiValidator, startHetznerSimulator } from '@skillancer/testing/hetzner';
import { describe, expect, it } from 'vitest';
import { createVolumeProvider } from '../src/volume-provider.js';

describe('createVolumeProvider', () => {
  it('builds local volumes in the configured location', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'skillpod-config-'));
    try {
      const config = loadConfig({ DATA_DIR: dataDir, HETZNER_LOCATION: 'nbg1' });
      const provider = createVolumeProvider(config.volumes);

      const volume = await provider.create({
        podId: '5b0c4f5e-3d1a-4a8e-9d2f-0e6b7c8d9a10',
        sizeGb: 10,
        location: 'nbg1',
      });

      expect(provider.kind).toBe('local');
      expect(volume.serverId).toBe('local-node-1');
      expect(volume.devicePath.startsWith(join(dataDir, 'volumes'))).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('feeds Hetzner API calls to the hetzner-api metrics', async () => {
    const simulator = await startHetznerSimulator({
      validator: sharedOpenApiValidator(),
      tokens: ['SimulatorToken0123456789'],
    });
    try {
      const config = loadConfig({
        HETZNER_API_TOKEN: simulator.token,
        HETZNER_API_URL: simulator.url,
        DATA_DIR: tmpdir(),
      });
      const metrics = new ServiceMetrics('skillpod-svc');
      const provider = createVolumeProvider(config.volumes, { observer: metrics.observer('hetzner-api') });

      await provider.list({ 'skillancer.io/managed-by': 'skillpod' });

      expect(provider.kind).toBe('hetzner');
      expect(await metrics.registry.metrics()).toMatch(
        /dependency_calls_total\{dependency="hetzner-api",operation="list_volumes",outcome="ok"[^}]*\} 1/,
      );
      expect(simulator.violations).toEqual([]);
    } finally {
      await simulator.close();
    }
  });
});
