import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import { type HetznerSimulator, startHetznerSimulator } from '@skillancer/testing/hetzner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support.js';

const TOKEN = 'volumesSimulatorToken012345';
const MANAGED = { 'skillancer.io/managed-by': 'skillpod' };
const tenantId = randomUUID();
const livePod = randomUUID();
const deletedPod = randomUUID();
const missingPod = randomUUID();

let hetzner: HetznerSimulator;
let db: TestDatabase;
const ids = { live: '', deleted: '', missing: '', unlabelled: '', foreign: '' };

beforeAll(async () => {
  [hetzner, db] = await Promise.all([
    startHetznerSimulator({ tokens: [TOKEN] }),
    createTestDatabase('pglite'),
  ]);
  const [node] = [...hetzner.state.servers.values()];
  const add = (name: string, labels: Record<string, string>) =>
    String(hetzner.state.addVolume({ name, location: 'fsn1', labels, serverId: node?.id }).id);
  ids.live = add(`pod-${livePod}`, { ...MANAGED, 'skillancer.io/pod': livePod });
  ids.deleted = add(`pod-${deletedPod}`, { ...MANAGED, 'skillancer.io/pod': deletedPod });
  ids.missing = add(`pod-${missingPod}`, { ...MANAGED, 'skillancer.io/pod': missingPod });
  ids.unlabelled = add('stray-volume', { ...MANAGED });
  ids.foreign = add('database-data', { 'skillancer.io/role': 'database' });

  {
    const userId = randomUUID();
    await db.query("INSERT INTO tenants (id, name, kind) VALUES ($1, 'Clinic', 'organization')", [tenantId]);
    await db.query(
      "INSERT INTO users (id, email, password_hash, display_name) VALUES ($1, 'ops@example.com', 'x', 'Ops')",
      [userId],
    );
    const insertPod = `INSERT INTO pods (id, tenant_id, owner_user_id, name, state, size_gb, location, volume_id, deleted_at)
      VALUES ($1, $2, $3, 'pod', $4, 10, 'fsn1', $5, $6)`;
    await db.query(insertPod, [livePod, tenantId, userId, 'ready', ids.live, null]);
    await db.query(insertPod, [deletedPod, tenantId, userId, 'deleted', ids.deleted, new Date()]);
    await db.query(
      "INSERT INTO pod_orphan_volumes (provider, volume_id, pod_label, first_seen_at, last_seen_at) VALUES ('hetzner', $1, $2, '2030-01-02T03:04:05Z', now())",
      [ids.missing, missingPod],
    );
  }
});

afterAll(async () => {
  await Promise.all([hetzner?.close(), db?.close()]);
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return { NODE_ENV: 'test', HETZNER_API_TOKEN: TOKEN, HETZNER_API_URL: hetzner.url, ...overrides };
}

function runVolumes(argv: string[], overrides: Record<string, string> = {}) {
  return runCli(['volumes', ...argv], env(overrides), { database: db });
}

describe('skillancer volumes', () => {
  it('lists managed volumes with pods', async () => {
    const run = await runVolumes(['list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^${ids.live} +pod-${livePod} +10 GB +fsn1 +\\d+ +${livePod} +ready$`, 'm'),
    );
    expect(run.stdout).toMatch(new RegExp(`^${ids.deleted} .*orphan \\(the pod is deleted\\)$`, 'm'));
    expect(run.stdout).not.toContain('database-data');
    expect(run.stdout).toContain('4 volume(s) at the hetzner provider.');
  });

  it('prints volumes as JSON', async () => {
    const run = await runVolumes(['list', '--json']);
    expect(run.code).toBe(0);
    const volumes = JSON.parse(run.stdout) as Array<{
      id: string;
      podState: string | null;
      tenantId: string | null;
    }>;
    expect(volumes.map((volume) => volume.id).sort()).toEqual(
      [ids.live, ids.deleted, ids.missing, ids.unlabelled].sort(),
    );
    expect(volumes.find((volume) => volume.id === ids.live)).toMatchObject({ podState: 'ready', tenantId });
  });

  it('lists orphans with reasons', async () => {
    const run = await runVolumes(['orphans', '--json']);
    expect(run.code).toBe(0);
    const orphans = JSON.parse(run.stdout) as Array<{
      id: string;
      orphanReason: string;
      orphanSince: string | null;
    }>;
    const byId = new Map(orphans.map((orphan) => [orphan.id, orphan]));
    expect(byId.size).toBe(3);
    expect(byId.get(ids.deleted)?.orphanReason).toBe('pod_deleted');
    expect(byId.get(ids.missing)?.orphanReason).toBe('pod_missing');
    expect(byId.get(ids.missing)?.orphanSince).toBe('2030-01-02T03:04:05.000Z');
    expect(byId.get(ids.unlabelled)?.orphanReason).toBe('no_pod_label');
  });

  it('prints orphans as a table', async () => {
    const run = await runVolumes(['orphans']);
    expect(run.stdout).toMatch(
      new RegExp(`^${ids.missing} .*2030-01-02T03:04:05.000Z +no pod row with this id$`, 'm'),
    );
    expect(run.stdout).toContain('3 orphan volume(s) of 4 at the hetzner provider.');
  });

  it('reports Hetzner authentication failure', async () => {
    const run = await runVolumes(['list'], { HETZNER_API_TOKEN: 'revokedToken0123456789abcd' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^listing volumes failed: Hetzner authentication failed.*fix: create a Read & Write API token/,
    );
  });

  it('needs the database', async () => {
    const run = await runCli(['volumes', 'list'], env({ DATA_DIR: '/nonexistent/skillancer' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no database found');
  });
});
