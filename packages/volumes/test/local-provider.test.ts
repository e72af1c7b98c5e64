import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalVolumeProvider } from '../src/index.js';
import { describeVolumeProviderContract } from './contract.js';

describeVolumeProviderContract('local', async (limits) => {
  const root = await mkdtemp(join(tmpdir(), 'local-volumes-'));
  const provider = new LocalVolumeProvider({
    root,
    nodes: Array.from({ length: limits.nodes }, (_, index) => ({
      id: `node-${index + 1}`,
      location: 'local',
    })),
    volumesPerNode: limits.volumesPerNode,
    ...(limits.quota === undefined ? {} : { maxVolumes: limits.quota }),
  });
  return { provider, location: 'local', close: () => rm(root, { recursive: true, force: true }) };
});

describe('LocalVolumeProvider storage', () => {
  it('stores volumes as directories with metadata', async () => {
    const root = await mkdtemp(join(tmpdir(), 'local-volumes-'));
    try {
      const first = new LocalVolumeProvider({ root });
      const volume = await first.create({ podId: randomUUID(), sizeGb: 12, location: 'local' });
      expect((await stat(volume.devicePath)).isDirectory()).toBe(true);
      expect(volume.devicePath).toBe(join(root, volume.id, 'data'));
      const metadata = JSON.parse(await readFile(join(root, volume.id, 'volume.json'), 'utf8')) as {
        sizeGb: number;
      };
      expect(metadata.sizeGb).toBe(12);

      const second = new LocalVolumeProvider({ root });
      expect(await second.get(volume.id)).toEqual(volume);
      await second.delete(volume.id);
      await expect(stat(join(root, volume.id))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('ignores ids that are not volume ids, so paths cannot escape the root', async () => {
    const root = await mkdtemp(join(tmpdir(), 'local-volumes-'));
    try {
      const provider = new LocalVolumeProvider({ root });
      expect(await provider.get('../etc')).toBeNull();
      await provider.delete('../../tmp');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
