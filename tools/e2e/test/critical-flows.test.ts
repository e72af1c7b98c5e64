import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@skillancer/database';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, executeDueShreds } from '@skillancer/phi-store';
import { checkPostgres, postgresRequired, testServerUrl } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlowResults, runCriticalFlows } from '../src/flows/index.js';
import { type ManagedProcess, startProcess } from '../src/processes.js';
import { StepReporter } from '../src/reporter.js';
import { type Stack, startStack } from '../src/stack.js';
import { findPlaintext, PHI_NEEDLES } from './plaintext-scan.js';
import { freePort } from './support.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const E2E_TIMEOUT_MS = 240_000;

function collectingReporter(): { steps: StepReporter; lines: string[] } {
  const lines: string[] = [];
  return { steps: new StepReporter((line) => lines.push(line)), lines };
}

describe('critical flows on embedded defaults', () => {
  let dataDir: string;
  let services: ManagedProcess | undefined;
  let targets: { auth: string; skillpod: string; cockpit: string };
  let results: FlowResults | undefined;
  const report = collectingReporter();

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-e2e-embedded-'));
    const ports = { auth: await freePort(), skillpod: await freePort(), cockpit: await freePort() };
    targets = {
      auth: `http://127.0.0.1:${ports.auth}`,
      skillpod: `http://127.0.0.1:${ports.skillpod}`,
      cockpit: `http://127.0.0.1:${ports.cockpit}`,
    };
    const started = await startProcess({
      name: 'skillancer start',
      command: process.execPath,
      args: [path.join(repositoryRoot, 'tools/cli/bin/skillancer.js'), 'start'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        DATA_DIR: dataDir,
        AUTH_PORT: String(ports.auth),
        SKILLPOD_PORT: String(ports.skillpod),
        COCKPIT_PORT: String(ports.cockpit),
      },
      ready: /"name":"cockpit-svc".*"msg":"service listening"/,
      timeoutMs: 120_000,
    });
    services = started.process;
  }, E2E_TIMEOUT_MS);

  afterAll(async () => {
    await services?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'passes every flow over HTTP',
    async () => {
      results = await runCriticalFlows(targets, report.steps).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${report.lines.join('\n')}`);
      });

      expect(report.lines.every((line) => line.startsWith('ok'))).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'leaves no volume and no PHI plaintext behind',
    async () => {
      expect(results).toBeDefined();
      await services?.stop();
      const volumes = await readdir(path.join(dataDir, 'volumes')).catch(() => []);
      const db = await openDatabase({ dataDir: path.join(dataDir, 'db') });
      try {
        expect(volumes.filter((name) => name.includes(results?.podId ?? '-'))).toEqual([]);
        expect(await findPlaintext(db, PHI_NEEDLES)).toEqual([]);
      } finally {
        await db.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});

describe('critical flows on production-like infrastructure', async () => {
  const availability = await checkPostgres();
  if (!availability.available && postgresRequired())
    throw new Error(`${availability.reason}; REQUIRE_POSTGRES=1 makes this a failure`);

  let stack: Stack | undefined;
  let results: FlowResults | undefined;
  const report = collectingReporter();
  let stackDir: string;

  beforeAll(async () => {
    if (!availability.available) return;
    stackDir = await mkdtemp(path.join(tmpdir(), 'skillancer-e2e-stack-'));
    stack = await startStack({
      dataDir: stackDir,
      adminDatabaseUrl: testServerUrl(),
      databaseName: `skillancer_e2e_${Date.now()}_${process.pid}`,
      dropDatabaseOnStop: true,
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      masterKeyHex: Buffer.alloc(32, 0x5a).toString('hex'),
      hetznerActionMs: 200,
      ports: { auth: await freePort(), skillpod: await freePort(), cockpit: await freePort() },
      extraServiceEnv: { TENANT_SHRED_DELAY_HOURS: '0' },
    });
  }, E2E_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
    if (stackDir) await rm(stackDir, { recursive: true, force: true });
  });

  it.skipIf(!availability.available)(
    'passes every flow over HTTP',
    async () => {
      const running = stack as Stack;
      results = await runCriticalFlows(running.urls, report.steps).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${report.lines.join('\n')}`);
      });

      expect(report.lines.every((line) => line.startsWith('ok'))).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it.skipIf(!availability.available)(
    'leaves no volume in the simulator and no PHI plaintext in PostgreSQL',
    async () => {
      const running = stack as Stack;
      expect(results).toBeDefined();
      const response = await fetch(`${running.hetznerApiUrl}/volumes?per_page=50`, {
        headers: { authorization: `Bearer ${running.hetznerToken}` },
      });
      const volumes = (await response.json()) as { volumes: Array<{ labels: Record<string, string> }> };
      const db = await openDatabase({ url: running.databaseUrl });
      try {
        expect(response.status).toBe(200);
        expect(
          volumes.volumes.filter((volume) => Object.values(volume.labels).includes(results?.podId ?? '-')),
        ).toEqual([]);
        expect(await findPlaintext(db, PHI_NEEDLES)).toEqual([]);
      } finally {
        await db.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it.skipIf(!availability.available)(
    'shreds a tenant so that none of its PHI decrypts any more',
    async () => {
      const running = stack as Stack;
      const client = (results as FlowResults).client;
      const db = await openDatabase({ url: running.databaseUrl });
      const phi = createPhiStore({
        db,
        masterKeys: MasterKeyring.fromHex({
          current: running.serviceEnv.ENCRYPTION_MASTER_KEY ?? '',
          previous: [],
        }),
      });
      try {
        const { rows } = await db.query<{ id: string; record_type: string; fields: Record<string, string> }>(
          'SELECT id, record_type, fields FROM phi_records WHERE tenant_id = $1',
          [client.tenantId],
        );
        const saved = rows[0];
        expect(saved).toBeDefined();
        const context = {
          tenantId: client.tenantId,
          recordType: saved?.record_type ?? '',
          recordId: saved?.id ?? '',
          field: 'ssn',
        };
        const ciphertext = saved?.fields.ssn ?? '';
        expect(await phi.encryptor.decrypt(context, ciphertext)).toBe('123456789');

        const erasure = await fetch(`${running.urls.auth}/gdpr/tenants/${client.tenantId}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${client.accessToken}` },
        });
        expect(erasure.status).toBe(202);
        const summary = await executeDueShreds(phi);
        const after = await fetch(`${running.urls.auth}/hipaa/phi/records/${saved?.id}`, {
          headers: { authorization: `Bearer ${client.accessToken}` },
        });

        expect(summary.executed).toBe(1);
        expect([401, 404, 410]).toContain(after.status);
        phi.keys.invalidate(client.tenantId);
        await expect(phi.encryptor.decrypt(context, ciphertext)).rejects.toThrow();
      } finally {
        phi.close();
        await db.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
