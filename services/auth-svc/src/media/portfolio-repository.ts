import { randomUUID } from 'node:crypto';
import { advisoryLockKey, type Database, type Queryable } from '@skillancer/database';
import type { StoredImage, StoredVariant } from './media-objects.js';

export interface PortfolioImageRecord {
  objectId: string;
  sourceType: string;
  variants: StoredVariant[];
  updatedAt: Date;
}

export interface PortfolioItemRecord {
  id: string;
  title: string;
  description: string;
  position: number;
  image: PortfolioImageRecord | null;
  createdAt: Date;
  updatedAt: Date;
}

type ItemRow = {
  id: string;
  title: string;
  description: string;
  position: number;
  image_object_id: string | null;
  image_source_type: string | null;
  image_variants: StoredVariant[] | null;
  image_updated_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `id, title, description, position, image_object_id, image_source_type, image_variants,
  image_updated_at, created_at, updated_at`;
/** Creates and reorders are serialized per user, but deletes leave gaps; age and id keep the order total. */
const ORDER = 'ORDER BY position, created_at, id';

function toItem(row: ItemRow): PortfolioItemRecord {
  const hasImage =
    row.image_object_id !== null &&
    row.image_source_type !== null &&
    row.image_variants !== null &&
    row.image_updated_at !== null;
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    position: row.position,
    image: hasImage
      ? {
          objectId: row.image_object_id as string,
          sourceType: row.image_source_type as string,
          variants: row.image_variants as StoredVariant[],
          updatedAt: row.image_updated_at as Date,
        }
      : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Portfolio items of each user in each tenant. Every query is scoped by tenant and user. */
export class PortfolioRepository {
  constructor(private readonly db: Database) {}

  async list(tenantId: string, userId: string): Promise<PortfolioItemRecord[]> {
    return this.listIn(this.db, tenantId, userId);
  }

  async find(tenantId: string, userId: string, itemId: string): Promise<PortfolioItemRecord | undefined> {
    const { rows } = await this.db.query<ItemRow>(
      `SELECT ${COLUMNS} FROM portfolio_items WHERE tenant_id = $1 AND user_id = $2 AND id = $3`,
      [tenantId, userId, itemId],
    );
    return rows[0] ? toItem(rows[0]) : undefined;
  }

  /** Appends an item at the end of the list, or returns undefined when the user has `maxItems`. */
  async create(
    tenantId: string,
    userId: string,
    input: { title: string; description: string },
    maxItems: number,
  ): Promise<PortfolioItemRecord | undefined> {
    return this.db.transaction(async (tx) => {
      await lockPortfolio(tx, tenantId, userId);
      const { rows: counts } = await tx.query<{ items: number; next_position: number }>(
        `SELECT count(*)::int AS items, coalesce(max(position) + 1, 0)::int AS next_position
         FROM portfolio_items WHERE tenant_id = $1 AND user_id = $2`,
        [tenantId, userId],
      );
      const { items, next_position: nextPosition } = counts[0] ?? { items: 0, next_position: 0 };
      if (items >= maxItems) {
        return undefined;
      }
      const { rows } = await tx.query<ItemRow>(
        `INSERT INTO portfolio_items (id, tenant_id, user_id, title, description, position)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [randomUUID(), tenantId, userId, input.title, input.description, nextPosition],
      );
      return toItem(rows[0] as ItemRow);
    });
  }

  /**
   * Sets the item's image and returns the item with the image it replaced, whose objects the caller
   * deletes. Returns undefined when the item does not exist for this user.
   */
  async setImage(
    tenantId: string,
    userId: string,
    itemId: string,
    image: StoredImage & { sourceType: string },
  ): Promise<{ item: PortfolioItemRecord; previous: PortfolioImageRecord | null } | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await tx.query<ItemRow>(
        `SELECT ${COLUMNS} FROM portfolio_items WHERE tenant_id = $1 AND user_id = $2 AND id = $3
         FOR UPDATE`,
        [tenantId, userId, itemId],
      );
      if (before.rows[0] === undefined) {
        return undefined;
      }
      const { rows } = await tx.query<ItemRow>(
        `UPDATE portfolio_items
         SET image_object_id = $4, image_source_type = $5, image_variants = $6::jsonb,
             image_updated_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND user_id = $2 AND id = $3
         RETURNING ${COLUMNS}`,
        [tenantId, userId, itemId, image.objectId, image.sourceType, JSON.stringify(image.variants)],
      );
      return { item: toItem(rows[0] as ItemRow), previous: toItem(before.rows[0]).image };
    });
  }

  /**
   * Puts the user's items in the given order. `itemIds` must name each of the user's items exactly
   * once; otherwise nothing changes and undefined is returned.
   */
  async reorder(
    tenantId: string,
    userId: string,
    itemIds: readonly string[],
  ): Promise<PortfolioItemRecord[] | undefined> {
    return this.db.transaction(async (tx) => {
      await lockPortfolio(tx, tenantId, userId);
      const current = await this.listIn(tx, tenantId, userId);
      const requested = new Set(itemIds);
      const matches =
        requested.size === itemIds.length &&
        current.length === itemIds.length &&
        current.every((item) => requested.has(item.id));
      if (!matches) {
        return undefined;
      }
      await tx.query(
        `UPDATE portfolio_items AS item SET position = ordered.ordinality - 1, updated_at = now()
         FROM unnest($3::uuid[]) WITH ORDINALITY AS ordered (id, ordinality)
         WHERE item.tenant_id = $1 AND item.user_id = $2 AND item.id = ordered.id`,
        [tenantId, userId, itemIds],
      );
      return this.listIn(tx, tenantId, userId);
    });
  }

  /** Deletes the item and returns it, or undefined when it does not exist for this user. */
  async remove(tenantId: string, userId: string, itemId: string): Promise<PortfolioItemRecord | undefined> {
    const { rows } = await this.db.query<ItemRow>(
      `DELETE FROM portfolio_items WHERE tenant_id = $1 AND user_id = $2 AND id = $3
       RETURNING ${COLUMNS}`,
      [tenantId, userId, itemId],
    );
    return rows[0] ? toItem(rows[0]) : undefined;
  }

  private async listIn(
    queryable: Queryable,
    tenantId: string,
    userId: string,
  ): Promise<PortfolioItemRecord[]> {
    const { rows } = await queryable.query<ItemRow>(
      `SELECT ${COLUMNS} FROM portfolio_items WHERE tenant_id = $1 AND user_id = $2 ${ORDER}`,
      [tenantId, userId],
    );
    return rows.map(toItem);
  }
}

/** Serializes creates and reorders of one user's portfolio. */
async function lockPortfolio(tx: Queryable, tenantId: string, userId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [
    advisoryLockKey(`portfolio:${tenantId}:${userId}`),
  ]);
}
