import type { Database, Queryable } from '@skillancer/database';

export interface ProfileRow {
  userId: string;
  tenantId: string;
  displayName: string;
  headline: string | null;
  bio: string | null;
  phiRecordId: string | null;
  updatedAt: Date | null;
}

type Row = {
  user_id: string;
  display_name: string;
  headline: string | null;
  bio: string | null;
  phi_record_id: string | null;
  updated_at: Date | null;
};

/** The plaintext half of profiles: `users.display_name` and the `user_profiles` row. */
export class ProfileRepository {
  constructor(private readonly db: Database) {}

  /** Returns the profile of a member of the tenant, or undefined when the user is not a member. */
  async find(tenantId: string, userId: string): Promise<ProfileRow | undefined> {
    const { rows } = await this.db.query<Row>(
      `SELECT u.id AS user_id, u.display_name, p.headline, p.bio, p.phi_record_id, p.updated_at
         FROM users u
         JOIN memberships m ON m.user_id = u.id AND m.tenant_id = $1
         LEFT JOIN user_profiles p ON p.user_id = u.id AND p.tenant_id = $1
        WHERE u.id = $2`,
      [tenantId, userId],
    );
    const row = rows[0];
    if (row === undefined) {
      return undefined;
    }
    return {
      userId: row.user_id,
      tenantId,
      displayName: row.display_name,
      headline: row.headline,
      bio: row.bio,
      phiRecordId: row.phi_record_id,
      updatedAt: row.updated_at,
    };
  }

  /** Writes the given columns, creating the row on first use; undefined leaves a column as it is. */
  async upsert(
    tx: Queryable,
    input: {
      tenantId: string;
      userId: string;
      headline?: string | null;
      bio?: string | null;
      phiRecordId?: string;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO user_profiles (tenant_id, user_id, headline, bio, phi_record_id)
       VALUES ($1, $2, $4, $6, $7)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET
         headline = CASE WHEN $3::boolean THEN EXCLUDED.headline ELSE user_profiles.headline END,
         bio = CASE WHEN $5::boolean THEN EXCLUDED.bio ELSE user_profiles.bio END,
         phi_record_id = COALESCE(EXCLUDED.phi_record_id, user_profiles.phi_record_id),
         updated_at = now()`,
      [
        input.tenantId,
        input.userId,
        input.headline !== undefined,
        input.headline ?? null,
        input.bio !== undefined,
        input.bio ?? null,
        input.phiRecordId ?? null,
      ],
    );
  }

  async setDisplayName(tx: Queryable, userId: string, displayName: string): Promise<void> {
    await tx.query('UPDATE users SET display_name = $2, updated_at = now() WHERE id = $1', [
      userId,
      displayName,
    ]);
  }
}
