import { forEachEngine } from '@skillancer/testing/database';
import { expect, it } from 'vitest';
import { openDatabase } from '../src/index.js';

/** A promise with its resolve function, to hold a lock open until the test releases it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

forEachEngine('tryWithAdvisoryLock', (getDb, engine) => {
  it('runs work and returns its value', async () => {
    const result = await getDb().tryWithAdvisoryLock('lock-value', async () => 42);

    expect(result).toEqual({ acquired: true, value: 42 });
  });

  it('excludes a second holder while held', async () => {
    const db = getDb();
    const hold = gate();
    let holding = false;
    const first = db.tryWithAdvisoryLock('lock-exclusive', async () => {
      holding = true;
      await hold.opened;
    });
    await expect.poll(() => holding).toBe(true);

    const second = await db.tryWithAdvisoryLock('lock-exclusive', async () => 'second');

    expect(second).toEqual({ acquired: false });
    hold.open();
    expect((await first).acquired).toBe(true);
    expect(await db.tryWithAdvisoryLock('lock-exclusive', async () => 'third')).toEqual({
      acquired: true,
      value: 'third',
    });
  });

  it('keeps different names independent', async () => {
    const db = getDb();

    const outer = await db.tryWithAdvisoryLock('lock-outer', () =>
      db.tryWithAdvisoryLock('lock-inner', async () => 'inner'),
    );

    expect(outer).toEqual({ acquired: true, value: { acquired: true, value: 'inner' } });
  });

  it('releases the lock when work throws', async () => {
    const db = getDb();

    await expect(
      db.tryWithAdvisoryLock('lock-throws', async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');

    expect((await db.tryWithAdvisoryLock('lock-throws', async () => 'again')).acquired).toBe(true);
  });

  it.runIf(engine === 'postgres')('excludes another connection pool', async () => {
    const replica = await openDatabase({ url: getDb().url, poolSize: 2 });
    try {
      const hold = gate();
      let holding = false;
      const first = getDb().tryWithAdvisoryLock('lock-replicas', async () => {
        holding = true;
        await hold.opened;
      });
      await expect.poll(() => holding).toBe(true);

      expect(await replica.tryWithAdvisoryLock('lock-replicas', async () => 'replica')).toEqual({
        acquired: false,
      });
      const { rows } = await replica.query<{ count: string }>(
        `SELECT count(*) AS count FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(rows[0]?.count).toBe('1');

      hold.open();
      await first;
      expect(await replica.tryWithAdvisoryLock('lock-replicas', async () => 'replica')).toEqual({
        acquired: true,
        value: 'replica',
      });
    } finally {
      await replica.close();
    }
  });
});
