import { PhiCryptoError } from '../errors.js';

/** One stored token: the token, a blind index of its value, and the value encrypted. */
export interface TokenRecord {
  tenantId: string;
  field: string;
  /** `tok_` + 22 base64url characters (128 random bits); unique per tenant. */
  token: string;
  /** Blind index of the normalized value, unique per (tenantId, field). */
  blindIndex: string;
  /** Field ciphertext of the normalized value, bound to (tenant, `phi_token`, token, field). */
  ciphertext: string;
  createdAt: Date;
}

/**
 * Storage of the token-to-value mapping; auth-svc implements it on PostgreSQL with unique keys on
 * (tenant_id, token) and (tenant_id, field, blind_index). It stores only ciphertext, so shredding
 * the tenant's keys also makes its vault unreadable.
 */
export interface TokenVault {
  /**
   * Inserts records whose (tenantId, field, blindIndex) is not yet stored, in one transaction
   * (`INSERT ... ON CONFLICT DO NOTHING`). Returns, in input order, the token now stored for each
   * record's blind index: its own, or the one a concurrent writer stored first.
   */
  insertTokens(records: readonly TokenRecord[]): Promise<string[]>;

  /** Returns the stored token per blind index, for the indexes that exist. */
  findTokensByIndex(
    tenantId: string,
    field: string,
    blindIndexes: readonly string[],
  ): Promise<Map<string, string>>;

  /** Returns the records of the tokens that exist for this tenant, in any order. */
  getTokens(tenantId: string, tokens: readonly string[]): Promise<TokenRecord[]>;
}

/** `TokenVault` in Maps, for tests and tools. */
export class InMemoryTokenVault implements TokenVault {
  readonly #byToken = new Map<string, TokenRecord>();
  readonly #byIndex = new Map<string, string>();

  async insertTokens(records: readonly TokenRecord[]): Promise<string[]> {
    const stored: string[] = [];
    for (const record of records) {
      const indexKey = JSON.stringify([record.tenantId, record.field, record.blindIndex]);
      const tokenKey = JSON.stringify([record.tenantId, record.token]);
      const existing = this.#byIndex.get(indexKey);
      if (existing !== undefined) {
        stored.push(existing);
        continue;
      }
      if (this.#byToken.has(tokenKey)) {
        throw new PhiCryptoError(
          'invalid_token',
          `token ${record.token} already exists for tenant ${record.tenantId}`,
        );
      }
      this.#byIndex.set(indexKey, record.token);
      this.#byToken.set(tokenKey, { ...record, createdAt: new Date(record.createdAt) });
      stored.push(record.token);
    }
    return stored;
  }

  async findTokensByIndex(
    tenantId: string,
    field: string,
    blindIndexes: readonly string[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const blindIndex of blindIndexes) {
      const token = this.#byIndex.get(JSON.stringify([tenantId, field, blindIndex]));
      if (token !== undefined) {
        found.set(blindIndex, token);
      }
    }
    return found;
  }

  async getTokens(tenantId: string, tokens: readonly string[]): Promise<TokenRecord[]> {
    const records: TokenRecord[] = [];
    for (const token of new Set(tokens)) {
      const record = this.#byToken.get(JSON.stringify([tenantId, token]));
      if (record !== undefined) {
        records.push({ ...record, createdAt: new Date(record.createdAt) });
      }
    }
    return records;
  }
}
