import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@skillancer/config';
import { ServiceMetrics } from '@skillancer/service-kit';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCockpitService } from '../src/server.js';

describe('createCockpitService', () => {
  let db: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    dataDir = await mkdtemp(path.join(tmpdir(), 'cockpit-server-'));
  });
  afterAll(async () => {
    await db?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('wires the invoices bucket of the filesystem driver', async () => {
    const config = loadConfig(
      { NODE_ENV: 'test', DATA_DIR: dataDir, S3_BUCKET: 'acme-invoices', COCKPIT_PORT: '3999' },
      dataDir,
    );
    const { app, close } = await createCockpitService({
      config,
      db,
      masterKey: randomBytes(32),
      metrics: new ServiceMetrics('cockpit-svc'),
      listenPort: 3999,
    });
    try {
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      const download = await app.inject({
        method: 'GET',
        url: '/files/invoices/tenant/x/invoice/y/document.pdf',
      });

      expect(ready.json().checks).toMatchObject({ database: 'ok', 'object-store': 'ok' });
      // The signed-URL route is mounted: an unsigned request is rejected by it, not by the 404 handler.
      expect(download.statusCode).toBe(403);
      expect(download.json().error.code).toBe('invalid_token');
    } finally {
      await close();
    }
  });
});
