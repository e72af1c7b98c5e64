import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRecord, TokenVault } from '../tokens/token-vault.js';
import type { RepositoryFixture } from './tenant-key-repository-contract.js';

function record(overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    tenantId: 'tenant-a',
    field: 'patient.ssn',
    token: 'tok_AAAAAAAAAAAAAAAAAAAAAA',
    blindIndex: 'bi1_index-a',
    ciphertext: 'ciphertext-a',
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    ...overrides,
  };
}

/** Registers the cases every `TokenVault` must pass. The fixture must start empty. */
export function describeTokenVaultContract(
  name: string,
  createFixture: () => Promise<RepositoryFixture<TokenVault>>,
): void {
  describe(`TokenVault contract: ${name}`, () => {
    let fixture: RepositoryFixture<TokenVault>;
    let vault: TokenVault;

    beforeEach(async () => {
      fixture = await createFixture();
      vault = fixture.repository;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('stores and returns records', async () => {
      expect(await vault.insertTokens([record()])).toEqual(['tok_AAAAAAAAAAAAAAAAAAAAAA']);
      expect(await vault.getTokens('tenant-a', ['tok_AAAAAAAAAAAAAAAAAAAAAA'])).toEqual([record()]);
    });

    it('returns the existing token for a known blind index', async () => {
      await vault.insertTokens([record()]);
      const stored = await vault.insertTokens([
        record({ token: 'tok_BBBBBBBBBBBBBBBBBBBBBB', ciphertext: 'other' }),
        record({ token: 'tok_CCCCCCCCCCCCCCCCCCCCCC', blindIndex: 'bi1_index-c' }),
      ]);
      expect(stored).toEqual(['tok_AAAAAAAAAAAAAAAAAAAAAA', 'tok_CCCCCCCCCCCCCCCCCCCCCC']);
      expect(await vault.getTokens('tenant-a', ['tok_BBBBBBBBBBBBBBBBBBBBBB'])).toEqual([]);
    });

    it('agrees on one token under concurrent inserts', async () => {
      const results = await Promise.all(
        ['tok_DDDDDDDDDDDDDDDDDDDDDD', 'tok_EEEEEEEEEEEEEEEEEEEEEE', 'tok_FFFFFFFFFFFFFFFFFFFFFF'].map(
          (token) => vault.insertTokens([record({ token })]),
        ),
      );
      expect(new Set(results.flat()).size).toBe(1);
    });

    it('finds tokens by index within tenant and field', async () => {
      await vault.insertTokens([record()]);
      await vault.insertTokens([record({ tenantId: 'tenant-b', token: 'tok_BBBBBBBBBBBBBBBBBBBBBB' })]);
      const found = await vault.findTokensByIndex('tenant-a', 'patient.ssn', ['bi1_index-a', 'bi1_missing']);
      expect([...found]).toEqual([['bi1_index-a', 'tok_AAAAAAAAAAAAAAAAAAAAAA']]);
      expect((await vault.findTokensByIndex('tenant-a', 'patient.mrn', ['bi1_index-a'])).size).toBe(0);
    });

    it('scopes token reads to the tenant', async () => {
      await vault.insertTokens([record()]);
      expect(await vault.getTokens('tenant-b', ['tok_AAAAAAAAAAAAAAAAAAAAAA'])).toEqual([]);
    });
  });
}
