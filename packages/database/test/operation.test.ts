import { describe, expect, it } from 'vitest';
import { advisoryLockKey, describeOperation } from '../src/index.js';
import { codeForSqlState } from '../src/translate-error.js';

describe('describeOperation', () => {
  const cases: Array<[string, string]> = [
    ['SELECT id FROM users WHERE email = $1', 'SELECT users'],
    ['select * from public.users u join memberships m on m.user_id = u.id', 'SELECT users'],
    ['INSERT INTO refresh_tokens (id, token_hash) VALUES ($1, $2)', 'INSERT refresh_tokens'],
    ['UPDATE ONLY users SET display_name = $1', 'UPDATE users'],
    ['DELETE FROM "Signing Keys" WHERE kid = $1', 'DELETE Signing Keys'],
    ['CREATE TABLE IF NOT EXISTS schema_migrations (name text)', 'CREATE schema_migrations'],
    ['TRUNCATE TABLE tenants', 'TRUNCATE tenants'],
    ['SELECT 1', 'SELECT'],
    ['SELECT count(*) FROM generate_series(1, 3)', 'SELECT'],
    ['SELECT * FROM (SELECT id FROM users) AS sub', 'SELECT users'],
    ['SELECT extract(epoch FROM now())', 'SELECT'],
    ['  -- leading comment\n  BEGIN', 'BEGIN'],
    ['/* hint */ COMMIT', 'COMMIT'],
    ['WITH fresh AS (SELECT id FROM tenants) SELECT * FROM fresh', 'WITH tenants'],
    ['', 'UNKNOWN'],
  ];

  it.each(cases)('names %j as %j', (sql, expected) => {
    expect(describeOperation(sql)).toBe(expected);
  });

  it('ignores words inside string literals', () => {
    expect(describeOperation("SELECT 'x from patient_names' AS label")).toBe('SELECT');
    expect(describeOperation("SELECT E'it\\'s from secrets' AS label")).toBe('SELECT');
    expect(describeOperation('SELECT $body$ from secrets $body$ AS label')).toBe('SELECT');
  });

  it('keeps literal values out of the name', () => {
    const name = describeOperation("INSERT INTO users (email) VALUES ('alice@example.com')");

    expect(name).toBe('INSERT users');
    expect(name).not.toContain('alice');
  });
});

describe('advisoryLockKey', () => {
  it('is stable for a name', () => {
    // Every replica and every release must derive the same key; PostgreSQL computes this value as
    // ('x' || substr(encode(sha256('a'), 'hex'), 1, 16))::bit(64)::bigint.
    expect(advisoryLockKey('skillancer:schema_migrations')).toBe(
      advisoryLockKey('skillancer:schema_migrations'),
    );
    expect(advisoryLockKey('a')).toBe('-3848465438864589366');
  });

  it('fits a signed 64-bit integer', () => {
    for (const name of ['a', 'b', 'reconciler', 'sweeper', '🔒']) {
      const key = BigInt(advisoryLockKey(name));
      expect(key).toBeGreaterThanOrEqual(-(2n ** 63n));
      expect(key).toBeLessThan(2n ** 63n);
    }
  });

  it('differs between names', () => {
    expect(advisoryLockKey('reconciler')).not.toBe(advisoryLockKey('sweeper'));
  });
});

describe('codeForSqlState', () => {
  it.each([
    ['23505', 'unique_violation'],
    ['23503', 'foreign_key_violation'],
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock_detected'],
    ['22P02', 'data_exception'],
    ['42P01', 'invalid_statement'],
    ['08006', 'connection_failed'],
    ['08P01', 'query_failed'],
    ['28P01', 'authentication_failed'],
    ['XX000', 'query_failed'],
  ])('maps %s to %s', (sqlState, code) => {
    expect(codeForSqlState(sqlState)).toBe(code);
  });
});
