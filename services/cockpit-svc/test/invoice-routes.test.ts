import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestCockpit, createTenant, draftBody, type TestCockpit, type TestTenant } from './support.js';

const YEAR = new Date().getUTCFullYear();

forEachEngine('cockpit-svc invoices', (getDb) => {
  let cockpit: TestCockpit;
  let tenant: TestTenant;

  beforeAll(async () => {
    cockpit = await buildTestCockpit(getDb());
    tenant = await createTenant(getDb(), 'Studio Łódź');
  });
  afterAll(async () => {
    await cockpit?.close();
  });

  async function create(owner: TestTenant, overrides: Record<string, unknown> = {}) {
    const response = await cockpit.app.inject({
      method: 'POST',
      url: '/finance/invoices',
      headers: owner.auth,
      payload: draftBody(overrides),
    });
    if (response.statusCode !== 201)
      throw new Error(`create failed: ${response.statusCode} ${response.body}`);
    return response.json();
  }

  function call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    owner: TestTenant,
    payload?: object,
  ) {
    return cockpit.app.inject({
      method,
      url,
      headers: owner.auth,
      ...(payload === undefined ? {} : { payload }),
    });
  }

  describe('create', () => {
    it('stores a draft with integer totals', async () => {
      const invoice = await create(tenant);

      // 2 × 450.00 = 900.00; 1.5 × 19.99 = 29.985 → 29.99; subtotal 929.99; 19 % = 176.6981 → 176.70.
      expect(invoice.status).toBe('draft');
      expect(invoice.items.map((item: { amountMinor: number }) => item.amountMinor)).toEqual([90_000, 2999]);
      expect(invoice.subtotalMinor).toBe(92_999);
      expect(invoice.taxMinor).toBe(17_670);
      expect(invoice.totalMinor).toBe(110_669);
      expect(invoice.amountDueMinor).toBe(110_669);
      expect(invoice.items[1].quantity).toBe('1.5');
      expect(invoice.number).toMatch(new RegExp(`^INV-${YEAR}-\\d{4,}$`));
      expect(invoice.issuer.name).toBe('Studio Łódź');
    });

    it('returns it from GET', async () => {
      const created = await create(tenant, {
        currency: 'JPY',
        items: [{ description: '作業', quantity: '3', unitPriceMinor: 1001 }],
      });
      const response = await call('GET', `/finance/invoices/${created.id}`, tenant);

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(created);
      // 3 × ¥1,001 = ¥3,003; 19 % tax = ¥570.57 → ¥571.
      expect(response.json().totalMinor).toBe(3574);
    });

    it('accepts a BHD invoice with three decimals', async () => {
      const invoice = await create(tenant, {
        currency: 'BHD',
        taxRateBps: 1000,
        items: [{ description: 'Consulting', quantity: '0.5', unitPriceMinor: 1005 }],
      });

      expect(invoice.subtotalMinor).toBe(503);
      expect(invoice.taxMinor).toBe(50);
    });

    it('accepts exactly 500 items', async () => {
      const items = Array.from({ length: 500 }, (_unused, index) => ({
        description: `Item ${index + 1}`,
        quantity: '1',
        unitPriceMinor: index,
      }));
      const invoice = await create(tenant, { items });

      expect(invoice.items).toHaveLength(500);
      expect(invoice.subtotalMinor).toBe((499 * 500) / 2);
    });

    it('accepts a 10,000-character description', async () => {
      const description = 'ż'.repeat(10_000);
      const invoice = await create(tenant, { items: [{ description, quantity: '1', unitPriceMinor: 1 }] });

      expect(invoice.items[0].description).toBe(description);
    });

    it('accepts the largest amount a JSON number holds exactly', async () => {
      const invoice = await create(tenant, {
        taxRateBps: 0,
        items: [{ description: 'Max', quantity: '1', unitPriceMinor: Number.MAX_SAFE_INTEGER }],
      });

      expect(invoice.totalMinor).toBe(Number.MAX_SAFE_INTEGER);
    });
  });

  describe('bad input', () => {
    const item = { description: 'Work', quantity: '1', unitPriceMinor: 100 };
    const cases: Array<[string, Record<string, unknown>, number, string, string?]> = [
      ['zero items', { items: [] }, 400, 'empty_items', 'body.items'],
      ['501 items', { items: Array.from({ length: 501 }, () => item) }, 400, 'too_many_items', 'body.items'],
      [
        'a negative quantity',
        { items: [{ ...item, quantity: '-1' }] },
        400,
        'invalid_quantity',
        'body.items.0.quantity',
      ],
      [
        'a zero quantity',
        { items: [{ ...item, quantity: '0' }] },
        400,
        'invalid_quantity',
        'body.items.0.quantity',
      ],
      [
        'four decimals',
        { items: [{ ...item, quantity: '1.0001' }] },
        400,
        'invalid_quantity',
        'body.items.0.quantity',
      ],
      [
        'a numeric quantity',
        { items: [{ ...item, quantity: 1.5 }] },
        400,
        'invalid_quantity',
        'body.items.0.quantity',
      ],
      [
        'a price beyond 2^53',
        { items: [{ ...item, unitPriceMinor: 2 ** 53 + 2 }] },
        400,
        'amount_too_large',
        'body.items.0.unitPriceMinor',
      ],
      [
        'a huge price',
        { items: [{ ...item, unitPriceMinor: 1e300 }] },
        400,
        'amount_too_large',
        'body.items.0.unitPriceMinor',
      ],
      [
        'a line total beyond 2^53',
        { items: [{ ...item, quantity: '2', unitPriceMinor: Number.MAX_SAFE_INTEGER }] },
        400,
        'amount_too_large',
        'body.items.0',
      ],
      [
        'a total beyond 2^53',
        { taxRateBps: 1, items: [{ ...item, unitPriceMinor: Number.MAX_SAFE_INTEGER }] },
        400,
        'amount_too_large',
      ],
      [
        'a negative price',
        { items: [{ ...item, unitPriceMinor: -1 }] },
        400,
        'invalid_unit_price',
        'body.items.0.unitPriceMinor',
      ],
      [
        'a fractional price',
        { items: [{ ...item, unitPriceMinor: 10.5 }] },
        400,
        'invalid_unit_price',
        'body.items.0.unitPriceMinor',
      ],
      ['an unknown currency', { currency: 'XYZ' }, 400, 'invalid_currency', 'body.currency'],
      ['a lowercase currency', { currency: 'eur' }, 400, 'invalid_currency', 'body.currency'],
      ['tax over 100 %', { taxRateBps: 10_001 }, 400, 'tax_rate_out_of_range', 'body.taxRateBps'],
      ['a negative tax', { taxRateBps: -1 }, 400, 'tax_rate_out_of_range', 'body.taxRateBps'],
      ['a fractional tax', { taxRateBps: 19.5 }, 400, 'tax_rate_out_of_range', 'body.taxRateBps'],
      [
        'a 10,001-character description',
        { items: [{ ...item, description: 'x'.repeat(10_001) }] },
        400,
        'description_too_long',
        'body.items.0.description',
      ],
      ['a blank description', { items: [{ ...item, description: '  ' }] }, 400, 'validation_failed'],
      ['a NUL in the client name', { client: { name: 'A\u0000B' } }, 400, 'validation_failed'],
      ['an unknown field', { discount: 5 }, 400, 'validation_failed'],
      ['an unknown item field', { items: [{ ...item, vat: 1 }] }, 400, 'validation_failed'],
      ['a missing client', { client: undefined }, 400, 'validation_failed'],
      ['an invalid email', { client: { name: 'A', email: 'not-an-email' } }, 400, 'validation_failed'],
      ['February 30', { issueDate: '2026-02-30' }, 400, 'invalid_date', 'body.issueDate'],
      [
        'a due date before the issue date',
        { dueDate: '2026-03-01' },
        400,
        'invalid_due_date',
        'body.dueDate',
      ],
      ['an unknown locale', { locale: 'not a locale' }, 400, 'invalid_locale', 'body.locale'],
    ];

    it.each(cases)('rejects %s', async (_name, overrides, status, code, field) => {
      const db = getDb();
      const before = await db.query<{ count: string }>(
        'SELECT count(*)::text AS count FROM invoices WHERE tenant_id = $1',
        [tenant.tenantId],
      );
      const response = await call('POST', '/finance/invoices', tenant, draftBody(overrides));
      const after = await db.query<{ count: string }>(
        'SELECT count(*)::text AS count FROM invoices WHERE tenant_id = $1',
        [tenant.tenantId],
      );

      expect(response.statusCode).toBe(status);
      expect(response.json().error.code).toBe(code);
      if (field !== undefined) expect(response.json().error.details.field).toBe(field);
      expect(after.rows[0]?.count).toBe(before.rows[0]?.count);
    });

    it('rejects a request without a token', async () => {
      const response = await cockpit.app.inject({
        method: 'POST',
        url: '/finance/invoices',
        payload: draftBody(),
      });

      expect(response.statusCode).toBe(401);
    });
  });

  describe('lifecycle', () => {
    it('edits a draft and recomputes its totals', async () => {
      const created = await create(tenant);
      const response = await call('PATCH', `/finance/invoices/${created.id}`, tenant, {
        items: [{ description: 'Retainer', quantity: '1', unitPriceMinor: 100_000 }],
        taxRateBps: 0,
        notes: null,
      });

      expect(response.statusCode).toBe(200);
      expect(response.json().totalMinor).toBe(100_000);
      expect(response.json().notes).toBeNull();
      expect(response.json().client.name).toBe('Zoë Müller');
      expect(response.json().revision).toBe(created.revision + 1);
    });

    it('rejects an edit that breaks a rule and keeps the draft', async () => {
      const created = await create(tenant);
      const response = await call('PATCH', `/finance/invoices/${created.id}`, tenant, { currency: 'ABC' });
      const stored = await call('GET', `/finance/invoices/${created.id}`, tenant);

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_currency');
      expect(stored.json()).toEqual(created);
    });

    it('locks a sent invoice', async () => {
      const created = await create(tenant);
      const sent = await call('POST', `/finance/invoices/${created.id}/send`, tenant);
      const patch = await call('PATCH', `/finance/invoices/${created.id}`, tenant, { taxRateBps: 0 });
      const removal = await call('DELETE', `/finance/invoices/${created.id}`, tenant);
      const again = await call('POST', `/finance/invoices/${created.id}/send`, tenant);

      expect(sent.statusCode).toBe(200);
      expect(sent.json().status).toBe('sent');
      expect(sent.json().sentAt).not.toBeNull();
      expect(patch.statusCode).toBe(409);
      expect(patch.json().error.code).toBe('invoice_not_draft');
      expect(removal.statusCode).toBe(409);
      expect(removal.json().error.code).toBe('invoice_not_draft');
      expect(again.statusCode).toBe(409);
    });

    it('settles an invoice with partial payments', async () => {
      const created = await create(tenant, {
        taxRateBps: 0,
        items: [{ description: 'Work', quantity: '1', unitPriceMinor: 10_000 }],
      });
      const early = await call('POST', `/finance/invoices/${created.id}/payments`, tenant, {
        amountMinor: 100,
        paidOn: '2026-03-05',
      });
      await call('POST', `/finance/invoices/${created.id}/send`, tenant);
      const first = await call('POST', `/finance/invoices/${created.id}/payments`, tenant, {
        amountMinor: 4000,
        paidOn: '2026-03-05',
        reference: 'SEPA 1',
      });
      const over = await call('POST', `/finance/invoices/${created.id}/payments`, tenant, {
        amountMinor: 6001,
        paidOn: '2026-03-06',
      });
      const second = await call('POST', `/finance/invoices/${created.id}/payments`, tenant, {
        amountMinor: 6000,
        paidOn: '2026-03-07',
      });
      const after = await call('POST', `/finance/invoices/${created.id}/payments`, tenant, {
        amountMinor: 1,
        paidOn: '2026-03-08',
      });
      const payments = await call('GET', `/finance/invoices/${created.id}/payments`, tenant);

      expect(early.statusCode).toBe(409);
      expect(early.json().error.code).toBe('invoice_not_payable');
      expect(first.statusCode).toBe(201);
      expect(first.json().invoice.status).toBe('sent');
      expect(first.json().invoice.amountDueMinor).toBe(6000);
      expect(over.statusCode).toBe(422);
      expect(over.json().error.code).toBe('payment_exceeds_amount_due');
      expect(second.json().invoice.status).toBe('paid');
      expect(second.json().invoice.amountDueMinor).toBe(0);
      expect(second.json().invoice.paidAt).not.toBeNull();
      expect(after.statusCode).toBe(409);
      expect(payments.json().items.map((payment: { amountMinor: number }) => payment.amountMinor)).toEqual([
        4000, 6000,
      ]);
    });

    it.each([
      [0, 'invalid_amount'],
      [-5, 'invalid_amount'],
      [1.5, 'invalid_amount'],
      [2 ** 60, 'amount_too_large'],
    ])('rejects a payment of %s', async (amountMinor, code) => {
      const created = await create(tenant);
      await call('POST', `/finance/invoices/${created.id}/send`, tenant);
      const response = await call('POST', `/finance/invoices/${created.id}/payments`, tenant, {
        amountMinor,
        paidOn: '2026-03-05',
      });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe(code);
    });

    it('marks a zero-total invoice paid when sent', async () => {
      const created = await create(tenant, {
        items: [{ description: 'Free', quantity: '1', unitPriceMinor: 0 }],
      });
      const sent = await call('POST', `/finance/invoices/${created.id}/send`, tenant);

      expect(sent.json().status).toBe('paid');
    });

    it('voids a sent invoice without payments only', async () => {
      const draft = await create(tenant);
      const voidDraft = await call('POST', `/finance/invoices/${draft.id}/void`, tenant);
      await call('POST', `/finance/invoices/${draft.id}/send`, tenant);
      const voided = await call('POST', `/finance/invoices/${draft.id}/void`, tenant);
      const payment = await call('POST', `/finance/invoices/${draft.id}/payments`, tenant, {
        amountMinor: 1,
        paidOn: '2026-03-05',
      });

      const paidPart = await create(tenant);
      await call('POST', `/finance/invoices/${paidPart.id}/send`, tenant);
      await call('POST', `/finance/invoices/${paidPart.id}/payments`, tenant, {
        amountMinor: 1,
        paidOn: '2026-03-05',
      });
      const voidWithPayment = await call('POST', `/finance/invoices/${paidPart.id}/void`, tenant);

      expect(voidDraft.statusCode).toBe(409);
      expect(voidDraft.json().error.code).toBe('invoice_not_voidable');
      expect(voided.json().status).toBe('void');
      expect(voided.json().amountDueMinor).toBe(0);
      expect(payment.statusCode).toBe(409);
      expect(voidWithPayment.statusCode).toBe(409);
      expect(voidWithPayment.json().error.code).toBe('invoice_has_payments');
    });

    it('deletes a draft but keeps its number taken', async () => {
      const first = await create(tenant);
      const removal = await call('DELETE', `/finance/invoices/${first.id}`, tenant);
      const fetched = await call('GET', `/finance/invoices/${first.id}`, tenant);
      const next = await create(tenant);
      const sequence = (number: string) => Number(number.split('-')[2]);

      expect(removal.statusCode).toBe(204);
      expect(fetched.statusCode).toBe(404);
      expect(sequence(next.number)).toBe(sequence(first.number) + 1);
    });
  });

  describe('tenant isolation', () => {
    it('answers 404 for another tenant on every route', async () => {
      const other = await createTenant(getDb());
      const invoice = await create(tenant);
      const attempts = [
        call('GET', `/finance/invoices/${invoice.id}`, other),
        call('PATCH', `/finance/invoices/${invoice.id}`, other, { taxRateBps: 0 }),
        call('DELETE', `/finance/invoices/${invoice.id}`, other),
        call('POST', `/finance/invoices/${invoice.id}/send`, other),
        call('POST', `/finance/invoices/${invoice.id}/void`, other),
        call('POST', `/finance/invoices/${invoice.id}/payments`, other, {
          amountMinor: 1,
          paidOn: '2026-03-05',
        }),
        call('GET', `/finance/invoices/${invoice.id}/payments`, other),
        call('POST', `/finance/invoices/${invoice.id}/pdf`, other),
        call('GET', `/finance/invoices/${invoice.id}/pdf`, other),
      ];

      for (const response of await Promise.all(attempts)) {
        expect(response.statusCode).toBe(404);
        expect(response.json().error.code).toBe('not_found');
        expect(response.body).not.toContain('Zoë');
      }
      const list = await call('GET', '/finance/invoices', other);
      expect(list.json().items).toEqual([]);
      const unchanged = await call('GET', `/finance/invoices/${invoice.id}`, tenant);
      expect(unchanged.json()).toEqual(invoice);
    });
  });

  describe('list', () => {
    it('filters and pages without skipping or repeating', async () => {
      const owner = await createTenant(getDb());
      const created = [];
      for (const [index, name] of [
        'Anna Kowalska',
        'Иван Петров',
        'Αθηνά',
        'anna schmidt',
        '张伟',
      ].entries()) {
        created.push(
          await create(owner, {
            client: { name },
            issueDate: `2026-01-0${index + 1}`,
            dueDate: '2026-02-01',
          }),
        );
      }
      await call('POST', `/finance/invoices/${created[0].id}/send`, owner);

      const pages: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? 'limit=2' : `limit=2&cursor=${cursor}`;
        const page = await call('GET', `/finance/invoices?${query}`, owner);
        pages.push(...page.json().items.map((invoice: { number: string }) => invoice.number));
        cursor = page.json().nextCursor;
      } while (cursor !== null);
      const byClient = await call('GET', '/finance/invoices?client=ANNA', owner);
      const byStatus = await call('GET', '/finance/invoices?status=sent', owner);
      const byDate = await call('GET', '/finance/invoices?issuedFrom=2026-01-02&issuedTo=2026-01-03', owner);
      const wildcard = await call('GET', '/finance/invoices?client=%25', owner);
      const badCursor = await call('GET', '/finance/invoices?cursor=bm9wZQ', owner);

      expect(pages).toEqual(created.map((invoice) => invoice.number).reverse());
      expect(
        byClient
          .json()
          .items.map((invoice: { client: { name: string } }) => invoice.client.name)
          .sort(),
      ).toEqual(['Anna Kowalska', 'anna schmidt']);
      expect(byStatus.json().items.map((invoice: { id: string }) => invoice.id)).toEqual([created[0].id]);
      expect(byDate.json().items).toHaveLength(2);
      expect(wildcard.json().items).toEqual([]);
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.json().error.code).toBe('invalid_cursor');
    });
  });
});
