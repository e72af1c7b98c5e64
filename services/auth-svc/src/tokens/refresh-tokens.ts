import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database, Queryable } from '@skillancer/database';
import { unauthorized } from '@skillancer/service-kit';

type RefreshTokenRow = {
  id: string;
  family_id: string;
  user_id: string;
  tenant_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
};

export interface RefreshSession {
  userId: string;
  tenantId: string;
  familyId: string;
}

/** Refresh tokens have 256 random bits, so an unkeyed SHA-256 suffices to store them. */
function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

const invalidRefreshToken = () =>
  unauthorized('invalid_refresh_token', 'The refresh token is invalid, expired or revoked; log in again');

/**
 * Rotating refresh tokens, stored hashed. Each refresh spends the presented token and issues the
 * next one of its family. A spent token that comes back means the token was copied, so the whole
 * family is revoked.
 */
export class RefreshTokenStore {
  constructor(
    private readonly db: Database,
    private readonly ttlSeconds: number,
  ) {}

  /** Starts a new family (a login session) and returns its first token. */
  async issue(
    userId: string,
    tenantId: string,
    tx: Queryable = this.db,
  ): Promise<{ token: string; familyId: string }> {
    const familyId = randomUUID();
    const token = await this.insert(tx, { userId, tenantId, familyId });
    return { token, familyId };
  }

  /** Spends `token` and returns the next one of its family. */
  async rotate(token: string): Promise<{ token: string; session: RefreshSession }> {
    if (!TOKEN_FORMAT.test(token)) throw invalidRefreshToken();
    const outcome = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<RefreshTokenRow>(
        `SELECT id, family_id, user_id, tenant_id, expires_at, used_at, revoked_at
           FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
        [hashToken(token)],
      );
      const row = rows[0];
      if (!row || row.revoked_at !== null || new Date(row.expires_at).getTime() <= Date.now()) {
        return { kind: 'invalid' as const };
      }
      if (row.used_at !== null) {
        await tx.query(
          'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
          [row.family_id],
        );
        return { kind: 'reused' as const };
      }
      const session = { userId: row.user_id, tenantId: row.tenant_id, familyId: row.family_id };
      const next = await this.insert(tx, session);
      await tx.query(
        'UPDATE refresh_tokens SET used_at = now(), replaced_by = (SELECT id FROM refresh_tokens WHERE token_hash = $2) WHERE id = $1',
        [row.id, hashToken(next)],
      );
      return { kind: 'rotated' as const, token: next, session };
    });
    if (outcome.kind === 'reused') {
      throw unauthorized(
        'refresh_token_reused',
        'This refresh token was already used, so its session was revoked; log in again',
      );
    }
    if (outcome.kind === 'invalid') throw invalidRefreshToken();
    return { token: outcome.token, session: outcome.session };
  }

  /** Revokes the family of `token`; returns false when the token is unknown. */
  async revokeFamilyOf(token: string): Promise<boolean> {
    if (!TOKEN_FORMAT.test(token)) return false;
    const { rowCount } = await this.db.query(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL`,
      [hashToken(token)],
    );
    return rowCount > 0;
  }

  async revokeFamily(familyId: string, userId: string): Promise<void> {
    await this.db.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL',
      [familyId, userId],
    );
  }

  private async insert(tx: Queryable, session: RefreshSession): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await tx.query(
      `INSERT INTO refresh_tokens (id, family_id, user_id, tenant_id, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [randomUUID(), session.familyId, session.userId, session.tenantId, hashToken(token), this.ttlSeconds],
    );
    return token;
  }
}
