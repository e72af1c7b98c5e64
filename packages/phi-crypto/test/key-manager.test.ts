import { describe, expect, it } from 'vitest';
import {
  createShredRequest,
  type DependencyCall,
  InMemoryTenantKeyRepository,
  KeyManager,
  MasterKeyring,
  type TenantKeyRepository,
} from '../src/index.js';
import { context, createHarness, errorCode, MASTER_HEX_A, MASTER_HEX_B } from './support/harness.js';

describe('KeyManager first use', () => {
  it('creates data and index keys on first encryption', async () => {
    const h = createHarness();
    await h.encryptor.encrypt(context(), '123-45-6789');
    const keys = await h.keys.listTenantKeys('tenant-a');
    expect(keys.map((k) => `${k.purpose}:${k.version}:${k.state}`).sort()).toEqual([
      'data:1:active',
      'index:1:active',
    ]);
    expect(keys.every((k) => k.masterKeyId === h.masterKeys.current.id)).toBe(true);
    expect(h.created.map((e) => `${e.purpose}:${e.reason}`).sort()).toEqual([
      'data:first_use',
      'index:first_use',
    ]);
  });

  it('creates one version when replicas race on first use', async () => {
    const repository = new InMemoryTenantKeyRepository();
    const replicas = [
      createHarness({ repository }),
      createHarness({ repository }),
      createHarness({ repository }),
    ];
    const ciphertexts = await Promise.all(
      replicas.flatMap((h) => [1, 2, 3].map((n) => h.encryptor.encrypt(context(), `value ${n}`))),
    );
    const stored = await repository.loadTenantKeys('tenant-a');
    expect(stored.filter((k) => k.purpose === 'data')).toHaveLength(1);
    expect(replicas.flatMap((h) => h.created)).toHaveLength(2);
    for (const h of replicas) {
      for (const ciphertext of ciphertexts) {
        await expect(h.encryptor.decrypt(context(), ciphertext)).resolves.toMatch(/^value \d$/);
      }
    }
  });

  it('does not create keys to decrypt', async () => {
    const h = createHarness();
    const other = createHarness();
    const ciphertext = await other.encryptor.encrypt(context(), 'x');
    expect(await errorCode(() => h.encryptor.decrypt(context(), ciphertext))).toBe('tenant_keys_not_found');
    expect(await h.repository.loadTenantKeys('tenant-a')).toEqual([]);
  });
});

describe('KeyManager usage counting', () => {
  it('reserves encryptions in blocks', async () => {
    const h = createHarness({ usageReservation: 10 });
    for (let i = 0; i < 25; i += 1) {
      await h.encryptor.encrypt(context(), 'v');
    }
    const [data] = (await h.keys.listTenantKeys('tenant-a')).filter((k) => k.purpose === 'data');
    expect(data?.usageCount).toBe(30);
  });

  it('rotates when the usage threshold is reached', async () => {
    const h = createHarness({ usageReservation: 4, rotateAfterEncryptions: 8 });
    const versions: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const ciphertext = await h.encryptor.encrypt(context(), `v${i}`);
      versions.push(Buffer.from(ciphertext, 'base64url').readUInt32BE(1));
    }
    expect(versions.slice(0, 8).every((v) => v === 1)).toBe(true);
    expect(versions.slice(8, 16).every((v) => v === 2)).toBe(true);
    expect(versions[16]).toBe(3);
    expect(h.created.filter((e) => e.reason === 'usage_limit').map((e) => e.version)).toEqual([2, 3]);
    const usage = (await h.keys.listTenantKeys('tenant-a')).filter((k) => k.purpose === 'data');
    // Each rotated version counts its 8 encryptions plus the one block that crossed the threshold.
    expect(usage.map((k) => k.usageCount)).toEqual([12, 12, 4]);
  });

  it('rejects a threshold above the NIST limit', async () => {
    expect(
      await errorCode(
        () =>
          new KeyManager({
            masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX_A }),
            repository: new InMemoryTenantKeyRepository(),
            rotateAfterEncryptions: 2 ** 32 + 1,
          }),
      ),
    ).toBe('invalid_argument');
  });
});

describe('KeyManager rotation and retirement', () => {
  it('encrypts new values with the newest version and still decrypts old ones', async () => {
    const h = createHarness();
    const old = await h.encryptor.encrypt(context(), 'before');
    const rotated = await h.keys.rotate('tenant-a');
    expect(rotated.version).toBe(2);
    const fresh = await h.encryptor.encrypt(context(), 'after');
    expect(Buffer.from(fresh, 'base64url').readUInt32BE(1)).toBe(2);
    expect(await h.encryptor.decrypt(context(), old)).toBe('before');
    expect(await h.encryptor.decrypt(context(), fresh)).toBe('after');
  });

  it('finds a version rotated by another replica', async () => {
    const repository = new InMemoryTenantKeyRepository();
    const a = createHarness({ repository });
    const b = createHarness({ repository });
    await b.encryptor.encrypt(context(), 'warm the cache');
    await a.keys.rotate('tenant-a');
    const fresh = await a.encryptor.encrypt(context(), 'new');
    expect(await b.encryptor.decrypt(context(), fresh)).toBe('new');
  });

  it('picks up a rotation in another replica after the cache TTL', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const repository = new InMemoryTenantKeyRepository();
    const a = createHarness({ repository, clock: () => now, cache: { ttlMs: 60_000 } });
    const b = createHarness({ repository, clock: () => now, cache: { ttlMs: 60_000 } });
    await b.encryptor.encrypt(context(), 'v');
    await a.keys.rotate('tenant-a');
    expect(Buffer.from(await b.encryptor.encrypt(context(), 'v'), 'base64url').readUInt32BE(1)).toBe(1);
    now += 60_000;
    expect(Buffer.from(await b.encryptor.encrypt(context(), 'v'), 'base64url').readUInt32BE(1)).toBe(2);
  });

  it('retires versions below the minimum and reactivates them', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const h = createHarness({ clock: () => now, cache: { ttlMs: 60_000 } });
    const old = await h.encryptor.encrypt(context(), 'old');
    await h.keys.rotate('tenant-a');

    expect(await errorCode(() => h.keys.setMinimumDecryptionVersion('tenant-a', 2))).toBe(
      'key_rotation_pending',
    );
    now += 60_000;
    const retired = await h.keys.setMinimumDecryptionVersion('tenant-a', 2);
    expect(retired.map((k) => `${k.version}:${k.state}`)).toEqual(['1:retired']);
    expect(await errorCode(() => h.encryptor.decrypt(context(), old))).toBe('key_version_retired');

    const reactivated = await h.keys.setMinimumDecryptionVersion('tenant-a', 1);
    expect(reactivated.map((k) => `${k.version}:${k.state}`)).toEqual(['1:active']);
    expect(await h.encryptor.decrypt(context(), old)).toBe('old');
  });

  it('rejects a minimum above the newest version', async () => {
    const h = createHarness();
    await h.encryptor.encrypt(context(), 'v');
    expect(await errorCode(() => h.keys.setMinimumDecryptionVersion('tenant-a', 2))).toBe('invalid_argument');
    expect(await errorCode(() => h.keys.setMinimumDecryptionVersion('tenant-x', 1))).toBe(
      'tenant_keys_not_found',
    );
  });

  it('destroys only retired versions', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const h = createHarness({ clock: () => now, cache: { ttlMs: 1000 } });
    const old = await h.encryptor.encrypt(context(), 'old');
    await h.keys.rotate('tenant-a');
    expect(await errorCode(() => h.keys.destroyRetiredVersions('tenant-a', [1]))).toBe('invalid_argument');
    now += 1000;
    await h.keys.setMinimumDecryptionVersion('tenant-a', 2);
    const destroyed = await h.keys.destroyRetiredVersions('tenant-a', [1]);
    expect(destroyed.map((k) => `${k.version}:${k.state}`)).toEqual(['1:destroyed']);
    expect(await errorCode(() => h.keys.setMinimumDecryptionVersion('tenant-a', 1))).toBe('invalid_argument');
    expect(await errorCode(() => h.encryptor.decrypt(context(), old))).toBe('key_destroyed');
  });
});

describe('KeyManager shredding', () => {
  it('destroys every version and returns what it destroyed', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'secret');
    await h.keys.rotate('tenant-a');
    const dataKey = await h.keys.decryptionKey('tenant-a', 1);

    const receipt = await h.keys.shredTenant('tenant-a');
    expect(receipt.tenantId).toBe('tenant-a');
    expect(receipt.destroyed.map((k) => `${k.purpose}:${k.version}:${k.stateBefore}`).sort()).toEqual([
      'data:1:active',
      'data:2:active',
      'index:1:active',
    ]);
    expect(receipt.alreadyDestroyed).toBe(0);
    expect(receipt.destroyed.every((k) => k.masterKeyId === h.masterKeys.current.id)).toBe(true);

    expect(dataKey.destroyed).toBe(true);
    expect(await errorCode(() => dataKey.encryptionKey())).toBe('key_destroyed');
    const stored = await h.repository.loadTenantKeys('tenant-a');
    expect(stored.every((k) => k.state === 'destroyed' && k.wrappedKey === null)).toBe(true);
    expect(await errorCode(() => h.encryptor.decrypt(context(), ciphertext))).toBe('key_destroyed');
  });

  it('does not cache keys loaded during a shred', async () => {
    const repository = new InMemoryTenantKeyRepository();
    const writer = createHarness({ repository });
    const ciphertext = await writer.encryptor.encrypt(context(), 'secret');

    let release: () => void = () => undefined;
    let delayNext = true;
    const slow: TenantKeyRepository = {
      ...bind(repository),
      loadTenantKeys: async (tenantId) => {
        const records = await repository.loadTenantKeys(tenantId);
        if (delayNext) {
          delayNext = false;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        return records;
      },
    };
    const reader = createHarness({ repository: slow });
    const decrypting = reader.encryptor.decrypt(context(), ciphertext).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    await reader.keys.shredTenant('tenant-a');
    release();
    expect(await decrypting).toMatchObject({ code: 'key_destroyed' });
  });

  it('never creates new keys for a shredded tenant', async () => {
    const h = createHarness();
    await h.encryptor.encrypt(context(), 'secret');
    await h.keys.shredTenant('tenant-a');
    expect(await errorCode(() => h.encryptor.encrypt(context(), 'again'))).toBe('key_destroyed');
    expect(await errorCode(() => h.indexer.compute({ tenantId: 'tenant-a', field: 'ssn' }, 'x'))).toBe(
      'key_destroyed',
    );
    expect(await errorCode(() => h.keys.rotate('tenant-a'))).toBe('key_destroyed');
    expect((await h.repository.loadTenantKeys('tenant-a')).length).toBe(2);
  });

  it('counts earlier destroyed versions when repeated', async () => {
    const h = createHarness();
    await h.encryptor.encrypt(context(), 'secret');
    await h.keys.shredTenant('tenant-a');
    const again = await h.keys.shredTenant('tenant-a');
    expect(again.destroyed).toEqual([]);
    expect(again.alreadyDestroyed).toBe(2);
  });

  it('enforces the waiting period of a shred request', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const h = createHarness({ clock: () => now });
    await h.encryptor.encrypt(context(), 'secret');
    const request = createShredRequest({
      tenantId: 'tenant-a',
      requestedBy: 'user:admin-1',
      reason: 'contract ended',
      requestedAt: new Date(now),
      waitingPeriodDays: 7,
    });
    expect(request.notBefore.toISOString()).toBe('2025-01-08T00:00:00.000Z');
    expect(await errorCode(() => h.keys.shredTenant('tenant-a', { request }))).toBe('shred_not_due');
    expect(await errorCode(() => h.keys.shredTenant('tenant-b', { request }))).toBe('invalid_argument');
    now = request.notBefore.getTime();
    const receipt = await h.keys.shredTenant('tenant-a', { request });
    expect(receipt.request).toBe(request);
    expect(receipt.destroyed).toHaveLength(2);
  });

  it('rejects an invalid waiting period', async () => {
    expect(
      await errorCode(() =>
        createShredRequest({ tenantId: 't', requestedBy: 'u', reason: 'r', waitingPeriodDays: -1 }),
      ),
    ).toBe('invalid_argument');
  });
});

describe('KeyManager master keys', () => {
  it('reports a wrong master key before decrypting', async () => {
    const repository = new InMemoryTenantKeyRepository();
    const writer = createHarness({ repository });
    const ciphertext = await writer.encryptor.encrypt(context(), 'secret');
    const wrong = createHarness({ repository, masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX_B }) });

    expect(await errorCode(() => wrong.keys.assertMasterKeysAvailable())).toBe('master_key_unknown');
    expect(await errorCode(() => wrong.encryptor.decrypt(context(), ciphertext))).toBe('master_key_unknown');
    const status = await wrong.keys.masterKeyStatus();
    expect(status.inUse).toEqual([
      { masterKeyId: writer.masterKeys.current.id, keyCount: 2, configured: false },
    ]);
  });

  it('rewraps tenant keys onto a new master key without touching data', async () => {
    const repository = new InMemoryTenantKeyRepository();
    const before = createHarness({ repository });
    const ciphertexts = await Promise.all(
      ['t1', 't2', 't3'].map((tenantId) =>
        before.encryptor.encrypt(context({ tenantId }), `secret of ${tenantId}`),
      ),
    );
    const during = createHarness({
      repository,
      masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX_B, previous: [MASTER_HEX_A] }),
    });
    const progress: number[] = [];
    const summary = await during.keys.rewrapTenantKeys({
      pageSize: 2,
      onProgress: (p) => progress.push(p.rewrapped),
    });
    expect(summary).toMatchObject({ total: 6, rewrapped: 6, skipped: 0, failed: 0, remaining: 0 });
    expect(progress).toEqual([2, 4, 6]);

    const after = createHarness({ repository, masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX_B }) });
    await after.keys.assertMasterKeysAvailable();
    for (const [index, tenantId] of ['t1', 't2', 't3'].entries()) {
      expect(await after.encryptor.decrypt(context({ tenantId }), ciphertexts[index] ?? '')).toBe(
        `secret of ${tenantId}`,
      );
    }
  });

  it('resumes a rewrap that was aborted', async () => {
    const repository = new InMemoryTenantKeyRepository();
    const before = createHarness({ repository });
    for (const tenantId of ['t1', 't2', 't3']) {
      await before.encryptor.encrypt(context({ tenantId }), 'v');
    }
    const during = createHarness({
      repository,
      masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX_B, previous: [MASTER_HEX_A] }),
    });
    const controller = new AbortController();
    await expect(
      during.keys.rewrapTenantKeys({
        pageSize: 2,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    ).rejects.toThrow();
    expect((await during.keys.masterKeyStatus()).keysToRewrap).toBe(4);
    const resumed = await during.keys.rewrapTenantKeys({ pageSize: 2 });
    expect(resumed).toMatchObject({ total: 4, rewrapped: 4, remaining: 0 });
  });

  it('reports keys whose master key is missing and continues', async () => {
    const repository = new InMemoryTenantKeyRepository();
    await createHarness({ repository }).encryptor.encrypt(context({ tenantId: 't1' }), 'v');
    await createHarness({
      repository,
      masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX_B }),
    }).encryptor.encrypt(context({ tenantId: 't2' }), 'v');
    const third = createHarness({
      repository,
      masterKeys: MasterKeyring.fromHex({ current: createThirdKey(), previous: [MASTER_HEX_B] }),
    });
    const summary = await third.keys.rewrapTenantKeys();
    expect(summary.rewrapped).toBe(2);
    expect(summary.failed).toBe(2);
    expect(summary.failures.every((f) => f.tenantId === 't1' && f.code === 'master_key_unknown')).toBe(true);
    expect(summary.remaining).toBe(2);
  });

  it('skips keys that another process rewrapped first', async () => {
    const repository = new InMemoryTenantKeyRepository();
    await createHarness({ repository }).encryptor.encrypt(context(), 'v');
    const masterKeys = MasterKeyring.fromHex({ current: MASTER_HEX_B, previous: [MASTER_HEX_A] });
    const racing: TenantKeyRepository = {
      ...bind(repository),
      replaceWrappedKeys: async (replacements) => {
        await repository.replaceWrappedKeys(replacements);
        return repository.replaceWrappedKeys(replacements);
      },
    };
    const summary = await new KeyManager({ masterKeys, repository: racing }).rewrapTenantKeys();
    expect(summary).toMatchObject({ rewrapped: 0, skipped: 2, remaining: 0 });
  });
});

describe('KeyManager observer', () => {
  it('reports each repository call and translates driver errors', async () => {
    const calls: DependencyCall[] = [];
    const repository = new InMemoryTenantKeyRepository();
    const failing: TenantKeyRepository = {
      ...bind(repository),
      loadTenantKeys: async () => {
        throw new Error('connection reset');
      },
    };
    const keys = new KeyManager({
      masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX_A }),
      repository: failing,
      observer: (call) => calls.push(call),
    });
    const error = await keys.encryptionKey('tenant-a').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'key_repository_failed' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(calls).toEqual([
      expect.objectContaining({
        operation: 'tenant_keys.load',
        outcome: 'error',
        errorCode: 'key_repository_failed',
      }),
    ]);
  });

  it('zeroes cached keys on close and reloads on demand', async () => {
    const h = createHarness();
    const ciphertext = await h.encryptor.encrypt(context(), 'v');
    const key = await h.keys.decryptionKey('tenant-a', 1);
    h.keys.close();
    expect(key.destroyed).toBe(true);
    expect(await h.encryptor.decrypt(context(), ciphertext)).toBe('v');
  });

  it('keeps at most the configured number of tenants', async () => {
    const calls: DependencyCall[] = [];
    const h = createHarness({ cache: { maxTenants: 2 }, observer: (call) => calls.push(call) });
    for (const tenantId of ['t1', 't2', 't3', 't1']) {
      await h.keys.currentDataKeyVersion(tenantId);
    }
    const loads = calls.filter((c) => c.operation === 'tenant_keys.load').length;
    // t1, t2 and t3 load twice each (empty, then after creating keys); t1 was evicted and loads again.
    expect(loads).toBe(7);
  });
});

function bind(repository: InMemoryTenantKeyRepository): TenantKeyRepository {
  return {
    loadTenantKeys: (t) => repository.loadTenantKeys(t),
    insertKeyVersion: (k) => repository.insertKeyVersion(k),
    listKeysToRewrap: (c, p) => repository.listKeysToRewrap(c, p),
    countKeysToRewrap: (c) => repository.countKeysToRewrap(c),
    replaceWrappedKeys: (r) => repository.replaceWrappedKeys(r),
    setKeyStates: (c) => repository.setKeyStates(c),
    incrementUsage: (k, n) => repository.incrementUsage(k, n),
    listMasterKeyUsage: () => repository.listMasterKeyUsage(),
  };
}

function createThirdKey(): string {
  return 'c3'.repeat(32);
}
