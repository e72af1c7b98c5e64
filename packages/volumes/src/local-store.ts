import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Volume } from './provider.js';

/** What a local volume stores in `volume.json` beside its `data` directory. */
interface StoredVolume {
  id: string;
  name: string;
  sizeGb: number;
  location: string;
  labels: Record<string, string>;
  serverId: string | null;
  protected: boolean;
  createdAt: string;
}

const METADATA = 'volume.json';

/** Directory layout of local volumes: `<root>/<id>/volume.json` and `<root>/<id>/data/`. */
export class LocalVolumeStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  dataDirectory(id: string): string {
    return join(this.#root, id, 'data');
  }

  async read(id: string): Promise<Volume | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    let text: string;
    try {
      text = await readFile(join(this.#root, id, METADATA), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return this.#toVolume(JSON.parse(text) as StoredVolume);
  }

  async readAll(): Promise<Volume[]> {
    let entries: string[];
    try {
      entries = await readdir(this.#root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const volumes = await Promise.all(entries.map((entry) => this.read(entry)));
    return volumes
      .filter((volume): volume is Volume => volume !== null)
      .sort(
        (left, right) =>
          left.createdAt.getTime() - right.createdAt.getTime() || left.id.localeCompare(right.id),
      );
  }

  /** Writes the metadata atomically (temporary file, then rename) and creates the data directory. */
  async write(volume: Volume): Promise<void> {
    const directory = join(this.#root, volume.id);
    await mkdir(join(directory, 'data'), { recursive: true });
    const stored: StoredVolume = {
      id: volume.id,
      name: volume.name,
      sizeGb: volume.sizeGb,
      location: volume.location,
      labels: volume.labels,
      serverId: volume.serverId,
      protected: volume.protected,
      createdAt: volume.createdAt.toISOString(),
    };
    const temporary = join(directory, `${METADATA}.tmp`);
    await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`);
    await rename(temporary, join(directory, METADATA));
  }

  /** Removes the metadata first, so that a crash half-way leaves a directory that is not listed as a volume. */
  async remove(id: string): Promise<void> {
    await rm(join(this.#root, id, METADATA), { force: true });
    await rm(join(this.#root, id), { recursive: true, force: true });
  }

  #toVolume(stored: StoredVolume): Volume {
    return {
      id: stored.id,
      name: stored.name,
      sizeGb: stored.sizeGb,
      location: stored.location,
      labels: stored.labels,
      status: 'available',
      serverId: stored.serverId,
      devicePath: this.dataDirectory(stored.id),
      protected: stored.protected,
      createdAt: new Date(stored.createdAt),
    };
  }
}
