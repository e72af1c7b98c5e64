import { advisoryLockKey, type Database } from '@skillancer/database';
import type { StoredImage, StoredVariant } from './media-objects.js';

export interface AvatarRecord {
  objectId: string;
  /** Media type detected in the uploaded bytes, such as image/jpeg. */
  sourceType: string;
  variants: StoredVariant[];
  updatedAt: Date;
}

type AvatarRow = { object_id: string; source_type: string; variants: StoredVariant[]; updated_at: Date };

const toAvatar = (row: AvatarRow): AvatarRecord => ({
  objectId: row.object_id,
  sourceType: row.source_type,
  variants: row.variants,
  updatedAt: row.updated_at,
});

/** The avatar row of each user in each tenant; the images themselves are in object storage. */
export class AvatarRepository {
  constructor(private readonly db: Database) {}

  async find(tenantId: string, userId: string): Promise<AvatarRecord | undefined> {
    const { rows } = await this.db.query<AvatarRow>(
      `SELECT object_id, source_type, variants, updated_at FROM profile_avatars
       WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return rows[0] ? toAvatar(rows[0]) : undefined;
  }

  /**
   * Points the user's avatar at a newly stored image and returns the previous one, whose objects
   * the caller deletes. A transaction-scoped advisory lock per user serializes concurrent
   * replacements, so every replaced image is returned to exactly one caller.
   */
  async replace(
    tenantId: string,
    userId: string,
    image: StoredImage & { sourceType: string },
  ): Promise<{ current: AvatarRecord; previous: AvatarRecord | undefined }> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [
        advisoryLockKey(`profile-avatar:${tenantId}:${userId}`),
      ]);
      const before = await tx.query<AvatarRow>(
        `SELECT object_id, source_type, variants, updated_at FROM profile_avatars
         WHERE tenant_id = $1 AND user_id = $2`,
        [tenantId, userId],
      );
      const { rows } = await tx.query<AvatarRow>(
        `INSERT INTO profile_avatars (tenant_id, user_id, object_id, source_type, variants)
         VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (tenant_id, user_id) DO UPDATE
           SET object_id = EXCLUDED.object_id, source_type = EXCLUDED.source_type,
               variants = EXCLUDED.variants, updated_at = now()
         RETURNING object_id, source_type, variants, updated_at`,
        [tenantId, userId, image.objectId, image.sourceType, JSON.stringify(image.variants)],
      );
      return {
        current: toAvatar(rows[0] as AvatarRow),
        previous: before.rows[0] ? toAvatar(before.rows[0]) : undefined,
      };
    });
  }

  /** Deletes the avatar row and returns it, or undefined when the user had no avatar. */
  async remove(tenantId: string, userId: string): Promise<AvatarRecord | undefined> {
    const { rows } = await this.db.query<AvatarRow>(
      `DELETE FROM profile_avatars WHERE tenant_id = $1 AND user_id = $2
       RETURNING object_id, source_type, variants, updated_at`,
      [tenantId, userId],
    );
    return rows[0] ? toAvatar(rows[0]) : undefined;
  }
}
