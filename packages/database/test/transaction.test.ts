import { setTimeout as sleep } from 'node:timers/promises';
import { forEachEngine } from '@skillancer/testing/database';
import { expect, it } from 'vitest';
import { DatabaseError, type Queryable } from '../src/index.js';

async function countTenants(db: Queryable, name: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    'SELECT count(*) AS count FROM tenants WHERE name = $1',
    [name],
  );
  return Number(rows[0]?.count);
}

async function insertTenant(db: Queryable, name: string): Promise<void> {
  await db.query(`INSERT INTO tenants (name, kind) VALUES ($1, 'organization')`, [name]);
}

forEachEngine('transaction', (getDb, engine) => {
  it('commits when the callback resolves', async () => {
    const value = await getDb().transaction(async (tx) => {
      await insertTenant(tx, 'tx-commit');
      return 'done';
    });

    expect(value).toBe('done');
    expect(await countTenants(getDb(), 'tx-commit')).toBe(1);
  });

  it('rolls back when the callback throws', async () => {
    const thrown = new Error('callback failed');

    const failure = await getDb()
      .transaction(async (tx) => {
        await insertTenant(tx, 'tx-rollback');
        throw thrown;
      })
      .catch((error: unknown) => error);

    expect(failure).toBe(thrown);
    expect(await countTenants(getDb(), 'tx-rollback')).toBe(0);
  });

  it('rolls back after a failed statement', async () => {
    const failure = await getDb()
      .transaction(async (tx) => {
        await insertTenant(tx, 'tx-failed-statement');
        await tx.query(`INSERT INTO tenants (name, kind) VALUES ('x', 'not-a-kind')`);
      })
      .catch((error: unknown) => error);

    expect((failure as DatabaseError).code).toBe('check_violation');
    expect(await countTenants(getDb(), 'tx-failed-statement')).toBe(0);
  });

  it('reports a swallowed failure at commit', async () => {
    const failure = await getDb()
      .transaction(async (tx) => {
        await insertTenant(tx, 'tx-swallowed');
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DatabaseError);
    expect((failure as DatabaseError).code).toBe('transaction_aborted');
    expect(await countTenants(getDb(), 'tx-swallowed')).toBe(0);
  });

  it('applies the isolation level', async () => {
    const levels: string[] = [];
    for (const isolation of ['read committed', 'repeatable read', 'serializable'] as const) {
      await getDb().transaction(
        async (tx) => {
          const { rows } = await tx.query<{ level: string }>('SELECT current_setting($1) AS level', [
            'transaction_isolation',
          ]);
          levels.push(rows[0]?.level ?? '');
        },
        { isolation },
      );
    }

    expect(levels).toEqual(['read committed', 'repeatable read', 'serializable']);
  });

  it('rejects an unknown isolation level', async () => {
    const isolation = 'chaos' as 'serializable';

    await expect(getDb().transaction(async () => undefined, { isolation })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('rejects the handle after the transaction ends', async () => {
    let handle: Queryable | undefined;
    await getDb().transaction(async (tx) => {
      handle = tx;
    });

    await expect(handle?.query('SELECT 1')).rejects.toMatchObject({ code: 'transaction_closed' });
  });

  it.runIf(engine === 'pglite')('serializes concurrent transactions on PGlite', async () => {
    const db = getDb();
    await db.query('CREATE TABLE interleave_probe (seq serial PRIMARY KEY, label text NOT NULL)');
    const writer = (label: string) =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO interleave_probe (label) VALUES ($1)', [`${label}1`]);
        // Gives the other transaction every chance to run its statements in between.
        await sleep(30);
        await tx.query('INSERT INTO interleave_probe (label) VALUES ($1)', [`${label}2`]);
      });

    await Promise.all([
      writer('a'),
      writer('b'),
      db.query(`INSERT INTO interleave_probe (label) VALUES ('q')`),
    ]);

    const { rows } = await db.query<{ label: string }>('SELECT label FROM interleave_probe ORDER BY seq');
    const labels = rows.map((row) => row.label).join(',');
    expect(['a1,a2,b1,b2,q', 'a1,a2,q,b1,b2', 'q,a1,a2,b1,b2', 'b1,b2,a1,a2,q']).toContain(labels);
  });

  it.runIf(engine === 'pglite')('rejects db.query inside a PGlite transaction', async () => {
    const db = getDb();

    const failure = await db.transaction(async () => db.query('SELECT 1')).catch((error: unknown) => error);

    expect((failure as DatabaseError).code).toBe('transaction_in_progress');
  });

  // Write skew: each transaction checks that the other doctor stays on duty, then leaves.
  it.runIf(engine === 'postgres')('raises serialization_failure on PostgreSQL', async () => {
    const db = getDb();
    await db.query(`
      CREATE TABLE on_call (doctor text PRIMARY KEY, on_duty boolean NOT NULL);
      INSERT INTO on_call VALUES ('alice', true), ('bob', true);
    `);
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    const leave = (doctor: string) =>
      db.transaction(
        async (tx) => {
          await tx.query('SELECT count(*) FROM on_call WHERE on_duty');
          arrived += 1;
          if (arrived === 2) release();
          await bothRead;
          await tx.query('UPDATE on_call SET on_duty = false WHERE doctor = $1', [doctor]);
        },
        { isolation: 'serializable' },
      );

    const results = await Promise.allSettled([leave('alice'), leave('bob')]);

    const failures = results.filter((result) => result.status === 'rejected');
    expect(failures).toHaveLength(1);
    const error = (failures[0] as PromiseRejectedResult).reason as DatabaseError;
    expect(error.code).toBe('serialization_failure');
    expect(error.sqlState).toBe('40001');
    expect(error.retryable).toBe(true);
    await expect(db.ping()).resolves.toBeUndefined();
  });
});
