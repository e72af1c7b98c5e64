import type { Database } from '@skillancer/database';
import type { TokenRecord, TokenVault } from '@skillancer/phi-crypto';
import { PhiStoreError } from '../errors.js';

type TokenRow = {
  tenant_id: string;
  token: string;
  field: string;
  blind_index: string;
  ciphertext: string;
  created_at: Date;
};

function toTokenRecord(row: TokenRow): TokenRecord {
  return {
    tenantId: row.tenant_id,
    field: row.field,
    token: row.token,
    blindIndex: row.blind_index,
    ciphertext: row.ciphertext,
    createdAt: row.created_at,
  };
}

/**
 * `TokenVault` on the `phi_tokens` table. It stores only ciphertext and blind indexes, so
 * shredding the tenant's keys also makes its tokens unresolvable.
 */
export class SqlTokenVault implements TokenVault {
  constructor(private readonly db: Database) {}

  async insertTokens(records: readonly TokenRecord[]): Promise<string[]> {
    if (records.length === 0) {
      return [];
    }
    return this.db.transaction(async (tx) => {
      const stored: string[] = [];
      for (const record of records) {
        await tx.query(
          `INSERT INTO phi_tokens (tenant_id, token, field, blind_index, ciphertext, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tenant_id, field, blind_index) DO NOTHING`,
          [
            record.tenantId,
            record.token,
            record.field,
            record.blindIndex,
            record.ciphertext,
            record.createdAt,
          ],
        );
        // Either this insert or a concurrent one that committed first stored the index.
        const { rows } = await tx.query<{ token: string }>(
          'SELECT token FROM phi_tokens WHERE tenant_id = $1 AND field = $2 AND blind_index = $3',
          [record.tenantId, record.field, record.blindIndex],
        );
        const token = rows[0]?.token;
        if (token === undefined) {
          throw new PhiStoreError(
            'storage_inconsistent',
            `phi_tokens has no row for field ${record.field} of tenant ${record.tenantId} right after its insert`,
          );
        }
        stored.push(token);
      }
      return stored;
    });
  }

  async findTokensByIndex(
    tenantId: string,
    field: string,
    blindIndexes: readonly string[],
  ): Promise<Map<string, string>> {
    if (blindIndexes.length === 0) {
      return new Map();
    }
    const { rows } = await this.db.query<{ blind_index: string; token: string }>(
      `SELECT blind_index, token FROM phi_tokens
        WHERE tenant_id = $1 AND field = $2 AND blind_index = ANY($3::text[])`,
      [tenantId, field, [...blindIndexes]],
    );
    return new Map(rows.map((row) => [row.blind_index, row.token]));
  }

  async getTokens(tenantId: string, tokens: readonly string[]): Promise<TokenRecord[]> {
    if (tokens.length === 0) {
      return [];
    }
    const { rows } = await this.db.query<TokenRow>(
      `SELECT tenant_id, token, field, blind_index, ciphertext, created_at FROM phi_tokens
        WHERE tenant_id = $1 AND token = ANY($2::text[])`,
      [tenantId, [...new Set(tokens)]],
    );
    return rows.map(toTokenRecord);
  }

  /** Pages through a tenant's tokens in token order, for re-encryption jobs. */
  async listPage(tenantId: string, page: { afterToken?: string; limit: number }): Promise<TokenRecord[]> {
    const { rows } = await this.db.query<TokenRow>(
      `SELECT tenant_id, token, field, blind_index, ciphertext, created_at FROM phi_tokens
        WHERE tenant_id = $1 AND ($2::text IS NULL OR token > $2::text)
        ORDER BY token LIMIT $3`,
      [tenantId, page.afterToken ?? null, page.limit],
    );
    return rows.map(toTokenRecord);
  }

  /** Replaces a token's ciphertext only if it still equals `expected`, and returns whether it wrote. */
  async replaceCiphertext(tenantId: string, token: string, expected: string, next: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE phi_tokens SET ciphertext = $4 WHERE tenant_id = $1 AND token = $2 AND ciphertext = $3',
      [tenantId, token, expected, next],
    );
    return rowCount === 1;
  }
}
