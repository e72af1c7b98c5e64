export { ENGINES, forEachEngine } from './for-each-engine.js';
export { pgliteSnapshot } from './pglite-snapshot.js';
export {
  checkPostgres,
  type PostgresAvailability,
  postgresRequired,
  testServerUrl,
} from './postgres-server.js';
export { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from './test-database.js';
