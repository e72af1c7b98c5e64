import { PhiStoreError } from '../errors.js';

/**
 * Columns of `phi_shred_requests` that mark an executed erasure's objects of one kind as deleted.
 * The purge builds its SQL from the marker column, so only these names are accepted. A new purge
 * adds its column in a migration and to this list.
 */
export const PURGE_MARKER_COLUMNS = ['invoices_purged_at', 'recordings_purged_at'] as const;

export type PurgeMarkerColumn = (typeof PURGE_MARKER_COLUMNS)[number];

/** Settings of one service's purge: the objects it deletes and its names in locks, logs and metrics. */
export interface ErasedObjectPurgeSpec {
  /** Word that names the purge in log messages and metric help, such as `invoice` in "erasure invoice purge". */
  name: string;
  /** Plural noun of the deleted objects in log messages, such as `PDFs`. */
  objectsNoun: string;
  /** Advisory lock that lets one replica at a time run the purge. */
  lockName: string;
  /** Column set on the erasure once all its objects are deleted. */
  markerColumn: PurgeMarkerColumn;
  /** Returns the key prefix of the tenant's objects, such as `tenant/<id>/invoice/`. Called with UUIDs only. */
  prefixOf: (tenantId: string) => string;
  /** Start of the metric names, such as `cockpit_erasure_invoice_purge`. */
  metricPrefix: string;
  /** Help text of the `<metricPrefix>_objects_deleted_total` counter. */
  objectsDeletedHelp: string;
}

/** Log messages of one purge, each naming the purge and its objects. */
export interface ErasedObjectPurgeMessages {
  skipped: string;
  listingFailed: string;
  objectsLeft: string;
  purged: string;
  /** For the timer that runs the purge, when a whole run throws. */
  runFailed: string;
}

/** A validated purge spec with the SQL and log messages built from it. */
export interface ErasedObjectPurge extends Readonly<ErasedObjectPurgeSpec> {
  readonly messages: Readonly<ErasedObjectPurgeMessages>;
  /** Selects a page of pending erasures: `$1` is the id to start after, `$2` the page size. */
  readonly selectPendingSql: string;
  /** Sets the marker column of the erasure with id `$1`. */
  readonly markPurgedSql: string;
}

/**
 * Validates `spec` and builds the purge's SQL and log messages. Throws `invalid_argument` when the
 * marker column is not one of `PURGE_MARKER_COLUMNS` or a name is empty.
 */
export function defineErasedObjectPurge(spec: ErasedObjectPurgeSpec): ErasedObjectPurge {
  const column = requireMarkerColumn(spec.markerColumn);
  for (const field of ['name', 'objectsNoun', 'lockName', 'metricPrefix'] as const) {
    if (spec[field].trim() === '') {
      throw new PhiStoreError(
        'invalid_argument',
        `Erased object purge ${field} is empty; set it to a non-empty string.`,
      );
    }
  }

  const { name, objectsNoun } = spec;
  return Object.freeze({
    ...spec,
    messages: Object.freeze({
      skipped: `erasure ${name} purge skipped because another replica holds the purge lock`,
      listingFailed: `erasure ${name} purge could not list or delete the ${objectsNoun}; the next run retries it`,
      objectsLeft: `erasure ${name} purge left ${objectsNoun} in the bucket; the next run retries it`,
      purged: `erasure ${name} ${objectsNoun} deleted`,
      runFailed: `erasure ${name} purge run failed; it runs again at the next interval`,
    }),
    // The erasure's tenant_id is text and may name no UUID, so the tenants row is matched by its
    // text form.
    selectPendingSql: `SELECT r.id, r.tenant_id, r.scope FROM phi_shred_requests r
        WHERE r.executed_at IS NOT NULL AND r.${column} IS NULL AND r.id > $1
          AND NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id::text = lower(r.tenant_id))
        ORDER BY r.id LIMIT $2`,
    markPurgedSql: `UPDATE phi_shred_requests SET ${column} = now() WHERE id = $1`,
  });
}

function requireMarkerColumn(column: string): PurgeMarkerColumn {
  const allowed: readonly string[] = PURGE_MARKER_COLUMNS;
  if (!allowed.includes(column)) {
    throw new PhiStoreError(
      'invalid_argument',
      `Erased object purge marker column ${JSON.stringify(column)} is not allowed; use one of ${PURGE_MARKER_COLUMNS.join(', ')}.`,
    );
  }
  return column as PurgeMarkerColumn;
}
