import { createHash } from 'node:crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Invoice } from '../src/invoices/invoice.js';
import { renderInvoicePdf } from '../src/pdf/invoice-pdf.js';
import {
  buildTestCockpit,
  createTenant,
  draftBody,
  pdfText,
  type TestCockpit,
  type TestTenant,
} from './support.js';

forEachEngine('cockpit-svc invoice PDFs', (getDb) => {
  let cockpit: TestCockpit;
  let tenant: TestTenant;
  let renders = 0;

  beforeAll(async () => {
    cockpit = await buildTestCockpit(getDb(), {
      renderPdf: (invoice: Invoice) => {
        renders += 1;
        return renderInvoicePdf(invoice);
      },
    });
    await cockpit.listen();
    tenant = await createTenant(getDb());
  });
  afterAll(async () => {
    await cockpit?.close();
  });

  function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
    return cockpit.app.inject({
      method,
      url,
      headers: tenant.auth,
      ...(payload === undefined ? {} : { payload }),
    });
  }

  async function storedKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of cockpit.store.list(`tenant/${tenant.tenantId}/`)) keys.push(object.key);
    return keys;
  }

  async function createInvoice(overrides: Record<string, unknown> = {}): Promise<string> {
    const response = await call('POST', '/finance/invoices', draftBody(overrides));
    return response.json().id;
  }

  it('stores the PDF once and reuses it while the invoice is unchanged', async () => {
    const id = await createInvoice({ client: { name: 'Иван Петров' } });
    const before = renders;
    const first = await call('POST', `/finance/invoices/${id}/pdf`);
    const second = await call('POST', `/finance/invoices/${id}/pdf`);
    const keys = await storedKeys();
    const object = await cockpit.store.head(keys[0] ?? '');

    expect(first.statusCode).toBe(200);
    expect(first.json().reused).toBe(false);
    expect(first.json().sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.json()).toEqual({ ...first.json(), reused: true });
    expect(renders - before).toBe(1);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^tenant/${tenant.tenantId}/invoice/[0-9a-f-]{36}/document\\.pdf$`));
    expect(object?.contentType).toBe('application/pdf');
    expect(object?.contentDisposition).toMatch(/^attachment; filename="INV-\d{4}-\d{4,}\.pdf"/);
    expect(object?.size).toBe(first.json().size);
  });

  it('keeps the stored object when a new revision renders the same bytes', async () => {
    const id = await createInvoice();
    const first = await call('POST', `/finance/invoices/${id}/pdf`);
    const keysBefore = await storedKeys();
    // Setting a field to its current value makes a new revision with the same content.
    await call('PATCH', `/finance/invoices/${id}`, { taxRateBps: 1900 });
    const before = renders;
    const second = await call('POST', `/finance/invoices/${id}/pdf`);

    expect(renders - before).toBe(1);
    expect(second.json().reused).toBe(true);
    expect(second.json().sha256).toBe(first.json().sha256);
    expect(second.json().revision).toBe(first.json().revision + 1);
    expect(await storedKeys()).toEqual(keysBefore);
  });

  it('replaces the stored object when the invoice changes', async () => {
    const id = await createInvoice();
    const first = await call('POST', `/finance/invoices/${id}/pdf`);
    const keysBefore = await storedKeys();
    await call('POST', `/finance/invoices/${id}/send`);
    const stale = await call('GET', `/finance/invoices/${id}/pdf`);
    const second = await call('POST', `/finance/invoices/${id}/pdf`);
    const keysAfter = await storedKeys();

    expect(stale.json().upToDate).toBe(false);
    expect(second.json().reused).toBe(false);
    expect(second.json().sha256).not.toBe(first.json().sha256);
    expect(keysAfter).toHaveLength(keysBefore.length);
    expect(keysAfter).not.toEqual(keysBefore);
  });

  it('downloads the PDF over HTTP from its signed URL', async () => {
    const id = await createInvoice({ client: { name: '张伟' } });
    const rendered = await call('POST', `/finance/invoices/${id}/pdf`);
    const link = await call('GET', `/finance/invoices/${id}/pdf`);
    const { url, expiresAt, upToDate, sha256 } = link.json();

    expect(link.statusCode).toBe(200);
    expect(link.headers['cache-control']).toBe('no-store');
    expect(url.startsWith(`${cockpit.origin}/files/invoices/tenant/${tenant.tenantId}/`)).toBe(true);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    expect(upToDate).toBe(true);

    const download = await fetch(url);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    expect(sha256).toBe(rendered.json().sha256);
    expect(await pdfText(bytes)).toContain('张伟');

    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace('document.pdf', 'other.pdf');
    expect((await fetch(tampered)).status).toBe(403);
    const unsigned = new URL(url);
    unsigned.search = '';
    expect((await fetch(unsigned)).status).toBe(403);
  });

  it('keeps one object when renders race', async () => {
    const id = await createInvoice();
    const keysBefore = await storedKeys();
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => call('POST', `/finance/invoices/${id}/pdf`)),
    );
    const keysAfter = await storedKeys();

    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200]);
    expect(new Set(responses.map((response) => response.json().sha256)).size).toBe(1);
    expect(keysAfter).toHaveLength(keysBefore.length + 1);
  });

  it('reports a PDF that was never rendered', async () => {
    const id = await createInvoice();
    const response = await call('GET', `/finance/invoices/${id}/pdf`);

    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('pdf_not_rendered');
  });

  it('deletes the PDF of a deleted draft', async () => {
    const id = await createInvoice();
    await call('POST', `/finance/invoices/${id}/pdf`);
    const keysBefore = await storedKeys();
    const removal = await call('DELETE', `/finance/invoices/${id}`);

    expect(removal.statusCode).toBe(204);
    expect(await storedKeys()).toHaveLength(keysBefore.length - 1);
  });
});
