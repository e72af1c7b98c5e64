import type { Database, Queryable } from '@skillancer/database';
import type { FieldContext } from '@skillancer/phi-crypto';
import { isUuid, PhiStoreError, requireUuid } from '../errors.js';

/** A PHI record as stored: every field value is a field ciphertext, never plaintext. */
export interface PhiRecord {
  id: string;
  tenantId: string;
  recordType: string;
  /** Field name to field ciphertext (or, before `keys migrate-legacy`, a legacy JSON ciphertext). */
  fields: Readonly<Record<string, string>>;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The blind index of one field of a record. */
export interface BlindIndexEntry {
  field: string;
  /** PHI type whose index form was hashed, such as `ssn`; lets a job recompute the index. */
  phiType: string;
  blindIndex: string;
}

export interface NewPhiRecord {
  id: string;
  tenantId: string;
  recordType: string;
  fields: Readonly<Record<string, string>>;
  createdBy: string | null;
}

export interface PhiRecordChange {
  /** Fields to write, as ciphertexts. */
  set: Readonly<Record<string, string>>;
  /** Fields to remove. */
  unset: readonly string[];
  /** Blind indexes to write for fields in `set`. */
  indexes: readonly BlindIndexEntry[];
}

/** Record types a read may return. The records API excludes types owned by other features. */
export interface RecordTypeFilter {
  onlyType?: string;
  excludeTypes?: readonly string[];
}

type RecordRow = {
  id: string;
  tenant_id: string;
  record_type: string;
  fields: Record<string, string>;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = 'id, tenant_id, record_type, fields, created_by, created_at, updated_at';
const RECORD_TYPE = /^[a-z][a-z0-9_]{0,62}$/;

function toRecord(row: RecordRow): PhiRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    recordType: row.record_type,
    fields: row.fields,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Returns the field context (associated data) that a record field is encrypted under. */
export function recordFieldContext(
  record: { tenantId: string; recordType: string; id: string },
  field: string,
): FieldContext {
  return { tenantId: record.tenantId, recordType: record.recordType, recordId: record.id, field };
}

/**
 * Returns the name that keys the blind index of a record field (each name gets its own HMAC key).
 * It does not include the record type, so one search finds a value in records of every type.
 */
export function blindIndexField(field: string): string {
  return `phi_record.${field}`;
}

/** Throws `invalid_argument` unless `recordType` is lowercase letters, digits and underscores (1–63). */
export function requireRecordType(recordType: string): void {
  if (!RECORD_TYPE.test(recordType)) {
    throw new PhiStoreError(
      'invalid_argument',
      `record type ${JSON.stringify(recordType)} must be 1 to 63 lowercase letters, digits or underscores, starting with a letter`,
    );
  }
}

function filterSql(filter: RecordTypeFilter, firstParam: number): { sql: string; params: unknown[] } {
  return {
    sql:
      ` AND ($${firstParam}::text IS NULL OR record_type = $${firstParam}::text)` +
      ` AND NOT (record_type = ANY($${firstParam + 1}::text[]))`,
    params: [filter.onlyType ?? null, [...(filter.excludeTypes ?? [])]],
  };
}

/**
 * Storage of `phi_records` and `phi_record_indexes`. Every read and write is scoped by tenant;
 * a record id of another tenant behaves like an unknown id. A malformed id is treated as unknown
 * as well, so callers can pass route parameters through.
 */
export class PhiRecordRepository {
  constructor(private readonly db: Database) {}

  async insert(
    record: NewPhiRecord,
    indexes: readonly BlindIndexEntry[],
    tx?: Queryable,
  ): Promise<PhiRecord> {
    requireUuid(record.tenantId, 'tenantId');
    requireUuid(record.id, 'record id');
    requireRecordType(record.recordType);
    const work = async (q: Queryable) => {
      const { rows } = await q.query<RecordRow>(
        `INSERT INTO phi_records (id, tenant_id, record_type, fields, created_by)
         VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING ${COLUMNS}`,
        [record.id, record.tenantId, record.recordType, JSON.stringify(record.fields), record.createdBy],
      );
      await writeIndexes(q, record.tenantId, record.id, indexes);
      return toRecord(rows[0] as RecordRow);
    };
    return tx === undefined ? this.db.transaction(work) : work(tx);
  }

  /**
   * Applies a change in one transaction (or in `tx`); returns the record after it, or undefined
   * when the tenant has no such record.
   */
  async update(
    tenantId: string,
    id: string,
    change: PhiRecordChange,
    filter: RecordTypeFilter = {},
    tx?: Queryable,
  ): Promise<PhiRecord | undefined> {
    if (!isUuid(tenantId) || !isUuid(id)) {
      return undefined;
    }
    const work = async (tx: Queryable) => {
      const where = filterSql(filter, 5);
      const { rows } = await tx.query<RecordRow>(
        `UPDATE phi_records SET fields = (fields - $3::text[]) || $4::jsonb, updated_at = now()
          WHERE tenant_id = $1 AND id = $2${where.sql}
          RETURNING ${COLUMNS}`,
        [tenantId, id, [...change.unset], JSON.stringify(change.set), ...where.params],
      );
      const row = rows[0];
      if (row === undefined) {
        return undefined;
      }
      const dropped = [...change.unset, ...Object.keys(change.set)];
      if (dropped.length > 0) {
        await tx.query('DELETE FROM phi_record_indexes WHERE record_id = $1 AND field = ANY($2::text[])', [
          id,
          dropped,
        ]);
      }
      await writeIndexes(tx, tenantId, id, change.indexes);
      return toRecord(row);
    };
    return tx === undefined ? this.db.transaction(work) : work(tx);
  }

  async get(tenantId: string, id: string, filter: RecordTypeFilter = {}): Promise<PhiRecord | undefined> {
    if (!isUuid(tenantId) || !isUuid(id)) {
      return undefined;
    }
    const where = filterSql(filter, 3);
    const { rows } = await this.db.query<RecordRow>(
      `SELECT ${COLUMNS} FROM phi_records WHERE tenant_id = $1 AND id = $2${where.sql}`,
      [tenantId, id, ...where.params],
    );
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /** Returns the records whose `field` has one of the blind indexes, oldest first, at most `limit`. */
  async findByBlindIndex(
    tenantId: string,
    field: string,
    blindIndexes: readonly string[],
    options: RecordTypeFilter & { limit: number },
  ): Promise<PhiRecord[]> {
    if (!isUuid(tenantId) || blindIndexes.length === 0) {
      return [];
    }
    const where = filterSql(options, 5);
    const { rows } = await this.db.query<RecordRow>(
      `SELECT ${COLUMNS.split(', ')
        .map((column) => `r.${column}`)
        .join(', ')}
         FROM phi_record_indexes i JOIN phi_records r ON r.id = i.record_id
        WHERE i.tenant_id = $1 AND i.field = $2 AND i.blind_index = ANY($3::text[])
          ${where.sql.replaceAll('record_type', 'r.record_type')}
        ORDER BY r.created_at, r.id
        LIMIT $4`,
      [tenantId, field, [...blindIndexes], options.limit, ...where.params],
    );
    return rows.map(toRecord);
  }

  /** Deletes a record and its indexes; returns false when the tenant has no such record. */
  async delete(
    tenantId: string,
    id: string,
    filter: RecordTypeFilter = {},
    tx?: Queryable,
  ): Promise<boolean> {
    if (!isUuid(tenantId) || !isUuid(id)) {
      return false;
    }
    const where = filterSql(filter, 3);
    const { rowCount } = await (tx ?? this.db).query(
      `DELETE FROM phi_records WHERE tenant_id = $1 AND id = $2${where.sql}`,
      [tenantId, id, ...where.params],
    );
    return rowCount === 1;
  }

  /** Deletes every record of a tenant (indexes go with them); returns how many. */
  async deleteTenantRecords(tx: Queryable, tenantId: string): Promise<number> {
    if (!isUuid(tenantId)) {
      return 0;
    }
    const { rowCount } = await tx.query('DELETE FROM phi_records WHERE tenant_id = $1', [tenantId]);
    return rowCount;
  }

  /** Pages through a tenant's records by id, for re-encryption and migration jobs. */
  async listPage(tenantId: string, page: { afterId?: string; limit: number }): Promise<PhiRecord[]> {
    if (!isUuid(tenantId)) {
      return [];
    }
    const { rows } = await this.db.query<RecordRow>(
      `SELECT ${COLUMNS} FROM phi_records
        WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid)
        ORDER BY id LIMIT $3`,
      [tenantId, page.afterId ?? null, page.limit],
    );
    return rows.map(toRecord);
  }

  /** Lists a record's blind indexes. */
  async listIndexes(recordId: string): Promise<BlindIndexEntry[]> {
    const { rows } = await this.db.query<{ field: string; phi_type: string; blind_index: string }>(
      'SELECT field, phi_type, blind_index FROM phi_record_indexes WHERE record_id = $1 ORDER BY field',
      [recordId],
    );
    return rows.map((row) => ({ field: row.field, phiType: row.phi_type, blindIndex: row.blind_index }));
  }

  /**
   * Replaces field ciphertexts only if every field still has its `expected` value, so a job
   * never overwrites a value that a request changed meanwhile. Returns whether it wrote.
   */
  async replaceCiphertexts(
    id: string,
    expected: Readonly<Record<string, string>>,
    next: Readonly<Record<string, string>>,
  ): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE phi_records SET fields = fields || $3::jsonb WHERE id = $1 AND fields @> $2::jsonb',
      [id, JSON.stringify(expected), JSON.stringify(next)],
    );
    return rowCount === 1;
  }

  /** Replaces one blind index if it still has its `expected` value; returns whether it wrote. */
  async replaceBlindIndex(recordId: string, field: string, expected: string, next: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE phi_record_indexes SET blind_index = $4 WHERE record_id = $1 AND field = $2 AND blind_index = $3',
      [recordId, field, expected, next],
    );
    return rowCount === 1;
  }
}

async function writeIndexes(
  q: Queryable,
  tenantId: string,
  recordId: string,
  indexes: readonly BlindIndexEntry[],
): Promise<void> {
  for (const entry of indexes) {
    await q.query(
      `INSERT INTO phi_record_indexes (record_id, tenant_id, field, phi_type, blind_index)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (record_id, field) DO UPDATE SET phi_type = EXCLUDED.phi_type, blind_index = EXCLUDED.blind_index`,
      [recordId, tenantId, entry.field, entry.phiType, entry.blindIndex],
    );
  }
}
