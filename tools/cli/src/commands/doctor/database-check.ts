import { diagnoseDatabase } from '../../runtime/diagnose.js';
import {
  embeddedDatabaseExists,
  openConfiguredDatabase,
  readSchemaStatus,
} from '../../runtime/operations-database.js';
import { type CheckResult, type DoctorContext, failed, ok, withTimeout } from './check.js';

const CHECK = 'database';

/**
 * Connects to the database and compares its schema with this release's migrations. On success the
 * open database is left in `context.db` for the master key check; the caller closes it.
 */
export async function checkDatabase(context: DoctorContext): Promise<CheckResult> {
  const { config } = context;
  const engine = config.database.url ? 'PostgreSQL' : `embedded PGlite at ${config.database.pgliteDataDir}`;
  if (!config.database.url && !(await embeddedDatabaseExists(config))) {
    return ok(
      CHECK,
      `${engine} does not exist yet; \`skillancer start\` or \`skillancer db migrate\` creates it`,
    );
  }

  try {
    const db = await withTimeout(openConfiguredDatabase(config), 15_000, 'connecting to the database');
    context.db = db;
    await withTimeout(db.ping(), 10_000, 'the database ping');
    const schema = await readSchemaStatus(db);
    context.schema = schema;
    if (schema.changed.length > 0) {
      return failed(
        CHECK,
        `applied migrations were edited after they ran: ${schema.changed.join(', ')}`,
        'restore the original migration files and put changes into a new migration',
      );
    }
    if (schema.pending.length > 0) {
      return failed(
        CHECK,
        `${engine} reachable, but ${schema.pending.length} migration(s) are pending: ${schema.pending.join(', ')}`,
        'run `skillancer db migrate`',
      );
    }
    return ok(CHECK, `${engine} reachable; all ${schema.appliedCount} migrations applied`);
  } catch (error) {
    // The later checks skip a database that is not there; a half-open one would make them throw.
    await context.db?.close().catch(() => undefined);
    context.db = undefined;
    const diagnosis = diagnoseDatabase(error);
    return failed(CHECK, diagnosis.problem, diagnosis.fix);
  }
}
