import { createServer } from 'node:net';
import { createTestDatabase, forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import { DatabaseError, openDatabase } from '../src/index.js';

async function failureOf(promise: Promise<unknown>): Promise<DatabaseError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof DatabaseError)) {
    throw new Error(`expected a DatabaseError, got ${String(error)}`);
  }
  return error;
}

forEachEngine('error translation', (getDb, engine) => {
  const email = 'patient.zero@example.com';

  it('reports a duplicate as unique_violation', async () => {
    const insert = `INSERT INTO users (email, password_hash, display_name) VALUES ($1, 'hash', $2)`;
    await getDb().query(insert, [email, 'Patient Zero']);

    const error = await failureOf(getDb().query(insert, [email, 'Patient Zero']));

    expect(error.code).toBe('unique_violation');
    expect(error.sqlState).toBe('23505');
    expect(error.constraint).toBe('users_email_key');
    expect(error.table).toBe('users');
    expect(error.operation).toBe('INSERT users');
    expect(error.cause).toBeDefined();
    expect(error.message).not.toContain(email);
    expect(error.message).not.toContain('Patient Zero');
  });

  it('reports a missing parent as foreign_key_violation', async () => {
    const error = await failureOf(
      getDb().query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [
        '00000000-0000-4000-8000-000000000001',
        '00000000-0000-4000-8000-000000000002',
      ]),
    );

    expect(error.code).toBe('foreign_key_violation');
    expect(error.sqlState).toBe('23503');
    expect(error.message).not.toContain('00000000-0000-4000-8000-000000000001');
  });

  it('reports a malformed value as data_exception', async () => {
    const error = await failureOf(getDb().query('SELECT * FROM users WHERE id = $1', [email]));

    expect(error.code).toBe('data_exception');
    expect(error.sqlState).toBe('22P02');
    expect(error.message).not.toContain(email);
  });

  it('drops the parameter list from the cause', async () => {
    const error = await failureOf(getDb().query('SELECT * FROM users WHERE id = $1', [email]));

    // PGlite copies the parameters onto its errors; pg never does.
    expect(Object.keys(error.cause ?? {})).not.toContain('params');
  });

  it('reports a missing table as invalid_statement', async () => {
    const error = await failureOf(getDb().query('SELECT * FROM no_such_table'));

    expect(error.code).toBe('invalid_statement');
    expect(error.sqlState).toBe('42P01');
    expect(error.message).toContain('no_such_table');
  });

  it('reports calls after close as database_closed', async () => {
    const db = await createTestDatabase(engine);
    await db.close();

    const error = await failureOf(db.query('SELECT 1'));

    expect(error.code).toBe('database_closed');
  });
});

describe('PostgreSQL connection errors', () => {
  it('reports an unreachable server as connection_failed', async () => {
    // A port that was just free: bind port 0, read the number, close it again.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const db = await openDatabase({
      url: `postgres://app:s3cret-pw@127.0.0.1:${port}/app`,
      connectTimeoutMs: 2000,
    });

    try {
      const error = await failureOf(db.ping());

      expect(error.code).toBe('connection_failed');
      expect(error.message).toContain(`127.0.0.1:${port}/app`);
      expect(error.message).not.toContain('s3cret-pw');
    } finally {
      await db.close();
    }
  });

  it('rejects a URL that is not postgres://', async () => {
    const error = await failureOf(openDatabase({ url: 'mysql://root:s3cret-pw@127.0.0.1/app' }));

    expect(error.code).toBe('invalid_configuration');
    expect(error.message).not.toContain('s3cret-pw');
  });

  it('rejects a pool size below one', async () => {
    const error = await failureOf(openDatabase({ url: 'postgres://127.0.0.1/app', poolSize: 0 }));

    expect(error.code).toBe('invalid_configuration');
  });
});
