import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '@skillancer/object-storage';
import { createPhiStore, executeDueShreds } from '@skillancer/phi-store';
import { forEachEngine } from '@skillancer/testing/database';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthApp } from '../src/app.js';
import { purgeErasedUploads } from '../src/gdpr/upload-purge.js';
import { masterKeyringOf } from '../src/phi/phi-setup.js';
import { MemoryRateLimiter } from '../src/security/rate-limiter.js';
import { type MediaBackend, readPhoto, startMediaBackend } from './fixtures/media-harness.js';
import { registerUser, TEST_ISSUER, TEST_MASTER_KEY } from './support.js';

function multipart(file: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = 'purge-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  return {
    payload: Buffer.concat([head, file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

forEachEngine('erasure upload purge', (getDb) => {
  let backend: MediaBackend;

  beforeAll(async () => {
    backend = await startMediaBackend('filesystem');
  });

  afterAll(async () => {
    await backend.close();
  });

  describe('purgeErasedUploads', () => {
    it('deletes the uploads of an erased account once', async () => {
      const db = getDb();
      const app = await buildAuthApp({
        db,
        masterKey: TEST_MASTER_KEY,
        rateLimiter: new MemoryRateLimiter(),
        issuer: TEST_ISSUER,
        accessTokenTtlSeconds: 300,
        refreshTokenTtlSeconds: 3600,
        logLevel: 'silent',
        media: { store: backend.store },
        phi: { tenantShredDelayHours: 0 },
      });
      await app.ready();
      const user = await registerUser(app);
      const other = await registerUser(app);
      const upload = multipart(await readPhoto());
      for (const owner of [user, other]) {
        const response = await app.inject({
          method: 'PUT',
          url: '/profile/avatar',
          headers: { ...owner.auth, ...upload.headers },
          payload: upload.payload,
        });
        expect(response.statusCode).toBe(200);
      }
      const erasure = await app.inject({ method: 'DELETE', url: '/gdpr/account', headers: user.auth });
      const operator = createPhiStore({ db, masterKeys: masterKeyringOf(TEST_MASTER_KEY) });
      const shreds = await executeDueShreds(operator);
      const log = pino({ level: 'silent' });

      const purged = await purgeErasedUploads({ db, store: backend.store, log });
      const keys = await backend.keys();
      const again = await purgeErasedUploads({ db, store: backend.store, log });
      const avatarRows = await db.query('SELECT 1 FROM profile_avatars WHERE user_id = $1', [user.userId]);

      expect(erasure.statusCode).toBe(202);
      expect(shreds.executed).toBe(1);
      expect(purged).toBe(1);
      expect(keys.filter((key) => key.startsWith(`tenant/${user.tenantId}/`))).toEqual([]);
      expect(keys.filter((key) => key.startsWith(`tenant/${other.tenantId}/`)).length).toBeGreaterThan(0);
      expect(again).toBe(0);
      expect(avatarRows.rowCount).toBe(0);
      operator.close();
      await app.close();
    });

    it('goes past erasures whose deletes keep failing', async () => {
      const db = getDb();
      // 21 erasures whose deletes keep failing come first, more than one page of them.
      const tenants: string[] = Array.from({ length: 22 }, () => randomUUID());
      const denied = new Set(tenants.slice(0, 21));
      for (const [index, tenantId] of tenants.entries()) {
        await db.query(
          `INSERT INTO phi_shred_requests
             (id, tenant_id, scope, requested_by, reason, requested_at, due_at, executed_at)
           VALUES ($1, $2, 'tenant', 'test', 'purge test', now(), now(), now() + $3 * interval '1 second')`,
          [`00000000-0000-4000-8000-${String(index).padStart(12, '0')}`, tenantId, index],
        );
        await backend.store.put(`tenant/${tenantId}/avatar/a.webp`, Buffer.from('image'));
      }
      // The real store, except that deletes under the denied tenants fail, as a bucket policy would.
      const deleteMany: ObjectStore['deleteMany'] = async (keys) => {
        const isDenied = (key: string) => denied.has(key.split('/')[1] ?? '');
        const result = await backend.store.deleteMany(keys.filter((key) => !isDenied(key)));
        const failures = keys
          .filter(isDenied)
          .map((key) => ({ key, code: 'access_denied' as const, message: 'denied' }));
        return { deleted: result.deleted, failed: [...result.failed, ...failures] };
      };
      const store = new Proxy(backend.store, {
        get(target, property) {
          if (property === 'deleteMany') return deleteMany;
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });

      const purged = await purgeErasedUploads({ db, store, log: pino({ level: 'silent' }) });
      const keys = await backend.keys();

      expect(purged).toBe(1);
      expect(keys).toContain(`tenant/${tenants[0]}/avatar/a.webp`);
      expect(keys).not.toContain(`tenant/${tenants[21]}/avatar/a.webp`);
    });
  });
});
