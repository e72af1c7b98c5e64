import type { DatabaseEngine } from '@skillancer/database';
import { afterAll, beforeAll, describe } from 'vitest';
import { checkPostgres, postgresRequired } from './postgres-server.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from './test-database.js';

/** The engines every repository test runs on, in the order they run. */
export const ENGINES: readonly DatabaseEngine[] = ['pglite', 'postgres'];

/**
 * Registers the tests in `define` twice, as `name [pglite]` and `name [postgres]`, each block with
 * its own fresh database from `createTestDatabase`. Tests in one block share that database, so give
 * rows unique keys. `getDb()` works inside tests and hooks, not while the tests are being collected.
 *
 * When PostgreSQL is unreachable, its block is skipped with the reason in its title, unless
 * `REQUIRE_POSTGRES=1`, which makes the test file fail instead.
 */
export function forEachEngine(
  name: string,
  define: (getDb: () => TestDatabase, engine: DatabaseEngine) => void,
  options: TestDatabaseOptions = {},
): void {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, async () => {
      if (engine === 'postgres') {
        const availability = await checkPostgres();
        if (!availability.available) {
          if (postgresRequired()) {
            throw new Error(
              `${availability.reason} REQUIRE_POSTGRES=1 is set, so the PostgreSQL tests fail instead of being skipped.`,
            );
          }
          describe.skip(`skipped: ${availability.reason}`, () => define(notCreated, engine));
          return;
        }
      }

      let db: TestDatabase | undefined;
      beforeAll(async () => {
        db = await createTestDatabase(engine, options);
      });
      afterAll(async () => {
        await db?.close();
      });
      define(() => {
        if (db === undefined) {
          return notCreated();
        }
        return db;
      }, engine);
    });
  }
}

function notCreated(): never {
  throw new Error(
    'The test database does not exist yet: call getDb() inside a test or a hook, not while tests are registered.',
  );
}
