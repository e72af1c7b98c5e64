import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteSnapshot } from '@skillancer/testing/database';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, openPglite } from '../src/index.js';

describe('PGlite on a data directory', () => {
  let root: string | undefined;

  afterAll(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('creates the directory and keeps data across reopen', async () => {
    root = await mkdtemp(join(tmpdir(), 'skillancer-pglite-'));
    const dataDir = join(root, 'nested', 'db');

    // Seeding the new directory from a snapshot skips initdb, which takes several seconds.
    const first = await openPglite({ dataDir, loadDataDir: await pgliteSnapshot('empty') });
    await first.query('CREATE TABLE kept (note text)');
    await first.query('INSERT INTO kept VALUES ($1)', ['survives a restart']);
    await first.close();
    const second = await openDatabase({ dataDir });
    const { rows } = await second.query('SELECT note FROM kept');
    await second.close();

    expect((await stat(dataDir)).isDirectory()).toBe(true);
    expect(second.engine).toBe('pglite');
    expect(rows).toEqual([{ note: 'survives a restart' }]);
  });

  it('refuses to load a snapshot over existing data', async () => {
    const dataDir = join(root ?? '', 'nested', 'db');

    await expect(openPglite({ dataDir, loadDataDir: await pgliteSnapshot('empty') })).rejects.toMatchObject({
      code: 'connection_failed',
    });
  });
});
