import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestCockpit, createTenant, draftBody, type TestCockpit } from './support.js';

forEachEngine('cockpit-svc invoice numbers', (getDb) => {
  let cockpit: TestCockpit;
  let year = 2026;

  beforeAll(async () => {
    cockpit = await buildTestCockpit(getDb(), { now: () => new Date(Date.UTC(year, 5, 1)) });
  });
  afterAll(async () => {
    await cockpit?.close();
  });

  async function createMany(auth: { authorization: string }, count: number, body = draftBody()) {
    return Promise.all(
      Array.from({ length: count }, () =>
        cockpit.app.inject({ method: 'POST', url: '/finance/invoices', headers: auth, payload: body }),
      ),
    );
  }

  it('hands out gapless numbers to concurrent creates', async () => {
    const first = await createTenant(getDb());
    const second = await createTenant(getDb());
    const [firstResponses, secondResponses] = await Promise.all([
      createMany(first.auth, 25),
      createMany(second.auth, 25),
    ]);

    for (const responses of [firstResponses, secondResponses]) {
      expect(responses.map((response) => response.statusCode)).toEqual(Array(25).fill(201));
      const numbers = responses.map((response) => response.json().number as string).sort();
      expect(numbers).toEqual(
        Array.from({ length: 25 }, (_unused, index) => `INV-2026-${String(index + 1).padStart(4, '0')}`),
      );
    }
  });

  it('rolls back the number of a failed create', async () => {
    const db = getDb();
    const tenant = await createTenant(db);
    await createMany(tenant.auth, 3);
    // A row that already has the next number makes the following insert fail after the
    // counter was incremented, inside the same transaction.
    await db.query(
      `INSERT INTO invoices (id, tenant_id, number, number_year, number_sequence, status, currency, locale,
         tax_rate_bps, issue_date, due_date, client_name, issuer_name, subtotal_minor, tax_minor, total_minor)
       VALUES (gen_random_uuid(), $1, 'INV-2026-0004', 2026, 4, 'void', 'EUR', 'en-US', 0, '2026-01-01',
         '2026-01-01', 'Blocker', 'Blocker', 0, 0, 0)`,
      [tenant.tenantId],
    );
    const [failed] = await createMany(tenant.auth, 1);
    const counter = await db.query<{ last_sequence: number }>(
      'SELECT last_sequence FROM invoice_number_counters WHERE tenant_id = $1 AND year = 2026',
      [tenant.tenantId],
    );

    expect(failed?.statusCode).toBe(500);
    expect(counter.rows[0]?.last_sequence).toBe(3);
  });

  it('starts each year at 0001', async () => {
    const tenant = await createTenant(getDb());
    await createMany(tenant.auth, 2);
    year = 2027;
    try {
      const [response] = await createMany(tenant.auth, 1);
      expect(response?.json().number).toBe('INV-2027-0001');
    } finally {
      year = 2026;
    }
  });

  it('widens the sequence past 9999', async () => {
    const tenant = await createTenant(getDb());
    await getDb().query(
      'INSERT INTO invoice_number_counters (tenant_id, year, last_sequence) VALUES ($1, 2026, 9999)',
      [tenant.tenantId],
    );
    const [response] = await createMany(tenant.auth, 1);

    expect(response?.json().number).toBe('INV-2026-10000');
  });
});
