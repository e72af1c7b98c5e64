import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTenantKey, TenantKeyRepository } from '../keys/repository.js';

export interface RepositoryFixture<T> {
  repository: T;
  /** Closes connections or drops the test database. */
  cleanup?: () => Promise<void>;
}

function newKey(overrides: Partial<NewTenantKey> = {}): NewTenantKey {
  return {
    tenantId: 'tenant-a',
    purpose: 'data',
    version: 1,
    wrappedKey: 'wrapped-1',
    masterKeyId: 'mk_old',
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    ...overrides,
  };
}

/**
 * Registers the cases every `TenantKeyRepository` must pass. The fixture must start empty.
 * Usage in auth-svc: `describeTenantKeyRepositoryContract('PGlite', async () => ({ repository, cleanup }))`.
 */
export function describeTenantKeyRepositoryContract(
  name: string,
  createFixture: () => Promise<RepositoryFixture<TenantKeyRepository>>,
): void {
  describe(`TenantKeyRepository contract: ${name}`, () => {
    let fixture: RepositoryFixture<TenantKeyRepository>;
    let repo: TenantKeyRepository;

    beforeEach(async () => {
      fixture = await createFixture();
      repo = fixture.repository;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('loads nothing for an unknown tenant', async () => {
      expect(await repo.loadTenantKeys('nobody')).toEqual([]);
    });

    it('inserts a version as active with zero usage', async () => {
      expect(await repo.insertKeyVersion(newKey())).toBe('inserted');
      const [record] = await repo.loadTenantKeys('tenant-a');
      expect(record).toEqual({
        tenantId: 'tenant-a',
        purpose: 'data',
        version: 1,
        state: 'active',
        wrappedKey: 'wrapped-1',
        masterKeyId: 'mk_old',
        createdAt: new Date('2025-01-01T00:00:00.000Z'),
        retiredAt: null,
        destroyedAt: null,
        usageCount: 0,
      });
    });

    it('keeps the first insert of a version', async () => {
      await repo.insertKeyVersion(newKey());
      expect(await repo.insertKeyVersion(newKey({ wrappedKey: 'other' }))).toBe('exists');
      const records = await repo.loadTenantKeys('tenant-a');
      expect(records).toHaveLength(1);
      expect(records[0]?.wrappedKey).toBe('wrapped-1');
    });

    it('lets exactly one concurrent insert win', async () => {
      const results = await Promise.all(
        ['w1', 'w2', 'w3', 'w4'].map((wrappedKey) => repo.insertKeyVersion(newKey({ wrappedKey }))),
      );
      expect(results.filter((r) => r === 'inserted')).toHaveLength(1);
      expect(await repo.loadTenantKeys('tenant-a')).toHaveLength(1);
    });

    it('loads both purposes of one tenant only', async () => {
      await repo.insertKeyVersion(newKey());
      await repo.insertKeyVersion(newKey({ version: 2 }));
      await repo.insertKeyVersion(newKey({ purpose: 'index' }));
      await repo.insertKeyVersion(newKey({ tenantId: 'tenant-b' }));
      const records = await repo.loadTenantKeys('tenant-a');
      expect(records.map((r) => `${r.purpose}:${r.version}`).sort()).toEqual(['data:1', 'data:2', 'index:1']);
    });

    it('lists keys to rewrap in order and by page', async () => {
      await repo.insertKeyVersion(newKey({ tenantId: 'tenant-b' }));
      await repo.insertKeyVersion(newKey({ tenantId: 'tenant-a', purpose: 'index' }));
      await repo.insertKeyVersion(newKey({ tenantId: 'tenant-a' }));
      await repo.insertKeyVersion(newKey({ tenantId: 'tenant-a', version: 2, masterKeyId: 'mk_new' }));
      await repo.insertKeyVersion(newKey({ tenantId: 'tenant-c' }));
      await repo.setKeyStates({
        tenantId: 'tenant-c',
        purpose: 'data',
        versions: [1],
        state: 'destroyed',
        at: new Date('2025-02-01T00:00:00.000Z'),
      });

      expect(await repo.countKeysToRewrap('mk_new')).toBe(3);
      const first = await repo.listKeysToRewrap('mk_new', { limit: 2 });
      expect(first.map((r) => `${r.tenantId}/${r.purpose}/${r.version}`)).toEqual([
        'tenant-a/data/1',
        'tenant-a/index/1',
      ]);
      const last = first[1];
      const second = await repo.listKeysToRewrap('mk_new', {
        limit: 2,
        after: last && { tenantId: last.tenantId, purpose: last.purpose, version: last.version },
      });
      expect(second.map((r) => `${r.tenantId}/${r.purpose}/${r.version}`)).toEqual(['tenant-b/data/1']);
    });

    it('replaces wrapped keys only under the expected master key', async () => {
      await repo.insertKeyVersion(newKey());
      await repo.insertKeyVersion(newKey({ version: 2 }));
      await repo.insertKeyVersion(newKey({ version: 3 }));
      await repo.setKeyStates({
        tenantId: 'tenant-a',
        purpose: 'data',
        versions: [3],
        state: 'destroyed',
        at: new Date(),
      });
      const updated = await repo.replaceWrappedKeys([
        {
          tenantId: 'tenant-a',
          purpose: 'data',
          version: 1,
          expectedMasterKeyId: 'mk_old',
          wrappedKey: 'new-1',
          masterKeyId: 'mk_new',
        },
        {
          tenantId: 'tenant-a',
          purpose: 'data',
          version: 2,
          expectedMasterKeyId: 'mk_other',
          wrappedKey: 'new-2',
          masterKeyId: 'mk_new',
        },
        {
          tenantId: 'tenant-a',
          purpose: 'data',
          version: 3,
          expectedMasterKeyId: 'mk_old',
          wrappedKey: 'new-3',
          masterKeyId: 'mk_new',
        },
      ]);
      expect(updated).toBe(1);
      const byVersion = new Map((await repo.loadTenantKeys('tenant-a')).map((r) => [r.version, r]));
      expect(byVersion.get(1)?.wrappedKey).toBe('new-1');
      expect(byVersion.get(1)?.masterKeyId).toBe('mk_new');
      expect(byVersion.get(2)?.wrappedKey).toBe('wrapped-1');
      expect(byVersion.get(3)?.wrappedKey).toBeNull();
    });

    it('retires, reactivates and destroys versions', async () => {
      await repo.insertKeyVersion(newKey());
      await repo.insertKeyVersion(newKey({ version: 2 }));
      const at = new Date('2025-03-01T00:00:00.000Z');

      const retired = await repo.setKeyStates({
        tenantId: 'tenant-a',
        purpose: 'data',
        versions: [1],
        state: 'retired',
        at,
      });
      expect(retired).toHaveLength(1);
      expect(retired[0]?.state).toBe('retired');
      expect(retired[0]?.retiredAt).toEqual(at);

      const again = await repo.setKeyStates({
        tenantId: 'tenant-a',
        purpose: 'data',
        versions: [1],
        state: 'retired',
        at,
      });
      expect(again).toEqual([]);

      const active = await repo.setKeyStates({
        tenantId: 'tenant-a',
        purpose: 'data',
        versions: [1],
        state: 'active',
        at,
      });
      expect(active[0]?.retiredAt).toBeNull();

      const destroyed = await repo.setKeyStates({
        tenantId: 'tenant-a',
        purpose: 'data',
        versions: [1, 2],
        state: 'destroyed',
        at,
      });
      expect(destroyed.map((r) => r.version).sort()).toEqual([1, 2]);
      expect(destroyed.every((r) => r.wrappedKey === null && r.destroyedAt?.getTime() === at.getTime())).toBe(
        true,
      );
      expect(destroyed[0]?.masterKeyId).toBe('mk_old');

      const revived = await repo.setKeyStates({
        tenantId: 'tenant-a',
        purpose: 'data',
        versions: [1],
        state: 'active',
        at,
      });
      expect(revived).toEqual([]);
      const records = await repo.loadTenantKeys('tenant-a');
      expect(records.every((r) => r.state === 'destroyed')).toBe(true);
    });

    it('adds usage atomically', async () => {
      await repo.insertKeyVersion(newKey());
      const ref = { tenantId: 'tenant-a', purpose: 'data' as const, version: 1 };
      const totals = await Promise.all(Array.from({ length: 10 }, () => repo.incrementUsage(ref, 100)));
      expect([...totals].sort((a, b) => a - b)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
      expect((await repo.loadTenantKeys('tenant-a'))[0]?.usageCount).toBe(1000);
    });

    it('counts live keys per master key', async () => {
      await repo.insertKeyVersion(newKey());
      await repo.insertKeyVersion(newKey({ version: 2, masterKeyId: 'mk_new' }));
      await repo.insertKeyVersion(newKey({ version: 3, masterKeyId: 'mk_new' }));
      await repo.insertKeyVersion(newKey({ tenantId: 'tenant-b', masterKeyId: 'mk_gone' }));
      await repo.setKeyStates({
        tenantId: 'tenant-b',
        purpose: 'data',
        versions: [1],
        state: 'destroyed',
        at: new Date(),
      });
      const usage = await repo.listMasterKeyUsage();
      expect([...usage].sort((a, b) => a.masterKeyId.localeCompare(b.masterKeyId))).toEqual([
        { masterKeyId: 'mk_new', keyCount: 2 },
        { masterKeyId: 'mk_old', keyCount: 1 },
      ]);
    });
  });
}
