import { forEachEngine } from '@skillancer/testing/database';
import { expect, it } from 'vitest';
import type { DependencyCall } from '../src/index.js';

const calls: DependencyCall[] = [];
const email = 'observer.patient@example.com';
const passwordHash = 'argon2-hash-of-a-secret';

forEachEngine(
  'observer',
  (getDb) => {
    const insertUser = 'INSERT INTO users (email, password_hash, display_name) VALUES ($1, $2, $3)';

    it('reports each query with verb and table', async () => {
      calls.length = 0;

      await getDb().query(insertUser, [email, passwordHash, 'Observer Patient']);
      await getDb().query('SELECT id FROM users WHERE email = $1', [email]);

      expect(calls.map((call) => call.operation)).toEqual(['INSERT users', 'SELECT users']);
      expect(calls.map((call) => call.outcome)).toEqual(['ok', 'ok']);
      for (const call of calls) {
        expect(call.durationSeconds).toBeGreaterThanOrEqual(0);
        expect(call.errorCode).toBeUndefined();
      }
    });

    it('reports a failure with its SQLSTATE', async () => {
      calls.length = 0;

      await getDb()
        .query(insertUser, [email, passwordHash, 'Observer Patient'])
        .catch(() => undefined);

      expect(calls).toEqual([
        {
          operation: 'INSERT users',
          durationSeconds: expect.any(Number),
          outcome: 'error',
          errorCode: '23505',
        },
      ]);
    });

    it('reports a transaction and its statements', async () => {
      calls.length = 0;

      await getDb().transaction(async (tx) => {
        await tx.query('UPDATE users SET display_name = $1 WHERE email = $2', ['Renamed Patient', email]);
      });

      expect(calls.map((call) => call.operation)).toEqual(['UPDATE users', 'TRANSACTION']);
      expect(calls.at(-1)?.outcome).toBe('ok');
    });

    it('reports a rolled-back transaction as an error', async () => {
      calls.length = 0;

      await getDb()
        .transaction(async () => {
          throw new Error('callback failed');
        })
        .catch(() => undefined);

      expect(calls.at(-1)).toMatchObject({
        operation: 'TRANSACTION',
        outcome: 'error',
        errorCode: 'rolled_back',
      });
    });

    it('never reports parameter values', async () => {
      const reported = JSON.stringify(calls);

      for (const value of [email, passwordHash, 'Observer Patient', 'Renamed Patient']) {
        expect(reported).not.toContain(value);
      }
    });
  },
  { observer: (call) => calls.push(call) },
);
