import { loadConfig } from '@skillancer/config';
import { ServiceMetrics } from '@skillancer/service-kit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatformDatabase } from '../src/runtime/database.js';
import { createService } from '../src/runtime/services.js';
import { closedPort, createDataDir, type DataDir } from './support.js';

const MASTER_KEY_HEX = 'd'.repeat(64);

let dataDir: DataDir;

beforeAll(async () => {
  dataDir = await createDataDir();
});

afterAll(async () => {
  await dataDir?.remove();
});

describe('skillpod-svc start-up', () => {
  it('loads the audit MAC key before serving', async () => {
    const config = loadConfig(
      { LOG_LEVEL: 'silent', DATA_DIR: dataDir.path, ENCRYPTION_MASTER_KEY: MASTER_KEY_HEX },
      dataDir.path,
    );
    const db = await openPlatformDatabase(config, pino({ level: 'silent' }));
    try {
      const before = await db.query('SELECT version FROM phi_audit_mac_keys');
      const service = await createService('skillpod-svc', {
        config,
        db,
        masterKey: Buffer.from(MASTER_KEY_HEX, 'hex'),
        metrics: new ServiceMetrics('skillpod-svc'),
        listenPort: await closedPort(),
      });
      await service.close();
      const after = await db.query('SELECT version FROM phi_audit_mac_keys');

      expect(before.rows).toEqual([]);
      expect(after.rows).toEqual([{ version: 1 }]);
    } finally {
      await db.close();
    }
  });
});
