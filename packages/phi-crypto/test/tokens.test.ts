import { describe, expect, it } from 'vitest';
import {
  BlindIndexer,
  generateToken,
  InMemoryTenantKeyRepository,
  InMemoryTokenVault,
  isToken,
  Tokenizer,
} from '../src/index.js';
import { createHarness, errorCode } from './support/harness.js';

const ssnTarget = { tenantId: 'tenant-a', field: 'patient_profile.ssn', type: 'ssn' as const };

function createTokenizer(vault = new InMemoryTokenVault(), repository = new InMemoryTenantKeyRepository()) {
  const h = createHarness({ repository });
  return { ...h, vault, tokenizer: new Tokenizer({ vault, encryptor: h.encryptor, indexer: h.indexer }) };
}

describe('tokens', () => {
  it('generates random tokens of the documented form', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(isToken(token)).toBe(true);
    }
    expect(isToken('tok_short')).toBe(false);
  });
});

describe('Tokenizer', () => {
  it('round-trips a value through a token', async () => {
    const { tokenizer } = createTokenizer();
    const token = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    expect(isToken(token)).toBe(true);
    expect(await tokenizer.detokenize('tenant-a', token)).toBe('123456789');
  });

  it('reuses the token of an equal value', async () => {
    const { tokenizer } = createTokenizer();
    const first = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    expect(await tokenizer.tokenize(ssnTarget, '123 45 6789')).toBe(first);
    expect(await tokenizer.tokenize(ssnTarget, '123-45-6780')).not.toBe(first);
    expect(await tokenizer.tokenize({ ...ssnTarget, field: 'claim.ssn' }, '123-45-6789')).not.toBe(first);
  });

  it('stores only ciphertext in the vault', async () => {
    const { tokenizer, vault } = createTokenizer();
    const token = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    const [record] = await vault.getTokens('tenant-a', [token]);
    expect(JSON.stringify(record)).not.toContain('123456789');
    expect(record?.blindIndex.startsWith('bi1_')).toBe(true);
  });

  it('tokenizes batches with per-item errors and duplicates', async () => {
    const { tokenizer } = createTokenizer();
    const results = await tokenizer.tokenizeBatch(ssnTarget, [
      '123-45-6789',
      'bad',
      '123456789',
      '234-56-7890',
    ]);
    expect(results[1]).toMatchObject({
      ok: false,
      error: { code: 'invalid_ssn', field: 'patient_profile.ssn' },
    });
    const [a, , c, d] = results.map((r) => (r.ok ? r.value : undefined));
    expect(a).toBeDefined();
    expect(c).toBe(a);
    expect(d).not.toBe(a);
    const back = await tokenizer.detokenizeBatch('tenant-a', [a ?? '', d ?? '']);
    expect(back).toEqual([
      { ok: true, value: '123456789' },
      { ok: true, value: '234567890' },
    ]);
  });

  it('gives concurrent replicas the same token', async () => {
    const vault = new InMemoryTokenVault();
    const repository = new InMemoryTenantKeyRepository();
    const a = createTokenizer(vault, repository);
    const b = createTokenizer(vault, repository);
    const [x, y] = await Promise.all([
      a.tokenizer.tokenize(ssnTarget, '123-45-6789'),
      b.tokenizer.tokenize(ssnTarget, '123-45-6789'),
    ]);
    expect(x).toBe(y);
    expect(await b.tokenizer.detokenize('tenant-a', x)).toBe('123456789');
  });

  it('finds tokens issued before an index key rotation', async () => {
    const { tokenizer, keys } = createTokenizer();
    const before = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    await keys.rotate('tenant-a', 'index');
    expect(await tokenizer.tokenize(ssnTarget, '123-45-6789')).toBe(before);
  });

  it('rejects unknown, foreign and malformed tokens', async () => {
    const { tokenizer } = createTokenizer();
    const token = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    const results = await tokenizer.detokenizeBatch('tenant-b', [token, generateToken(), 'not-a-token']);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'token_not_found',
      'token_not_found',
      'invalid_token',
    ]);
    expect(await errorCode(() => tokenizer.detokenize('tenant-a', token, { field: 'claim.ssn' }))).toBe(
      'token_not_found',
    );
    expect(await tokenizer.detokenize('tenant-a', token, { field: 'patient_profile.ssn' })).toBe('123456789');
  });

  it('cannot detokenize after the tenant is shredded', async () => {
    const { tokenizer, keys } = createTokenizer();
    const token = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    await keys.shredTenant('tenant-a');
    expect(await errorCode(() => tokenizer.detokenize('tenant-a', token))).toBe('key_destroyed');
  });

  it('keeps vault indexes apart from column indexes', async () => {
    const { tokenizer, vault, indexer } = createTokenizer();
    const token = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    const [record] = await vault.getTokens('tenant-a', [token]);
    const columnIndex = await indexer.compute(ssnTarget, '123-45-6789');
    expect(record?.blindIndex).toBeDefined();
    expect(record?.blindIndex).not.toBe(columnIndex);
  });

  it('rejects a truncated blind index', async () => {
    const h = createHarness();
    const truncated = new BlindIndexer({ keys: h.keys, bits: 64 });
    expect(
      await errorCode(
        () => new Tokenizer({ vault: new InMemoryTokenVault(), encryptor: h.encryptor, indexer: truncated }),
      ),
    ).toBe('invalid_argument');
  });

  it('reports vault calls to the observer', async () => {
    const h = createHarness();
    const operations: string[] = [];
    const tokenizer = new Tokenizer({
      vault: new InMemoryTokenVault(),
      encryptor: h.encryptor,
      indexer: h.indexer,
      observer: (call) => operations.push(`${call.operation}:${call.outcome}`),
    });
    const token = await tokenizer.tokenize(ssnTarget, '123-45-6789');
    await tokenizer.detokenize('tenant-a', token);
    expect(operations).toEqual([
      'token_vault.find_by_index:ok',
      'token_vault.insert:ok',
      'token_vault.get:ok',
    ]);
  });
});
