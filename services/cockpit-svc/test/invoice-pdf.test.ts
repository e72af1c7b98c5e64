import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Invoice, InvoiceLine } from '../src/invoices/invoice.js';
import { computeTotals } from '../src/invoices/money.js';
import { renderInvoicePdf } from '../src/pdf/invoice-pdf.js';
import { pdfText, pdfWords } from './support.js';

const run = promisify(execFile);

function invoiceWith(
  overrides: Partial<Invoice> & { lines?: Array<Omit<InvoiceLine, 'amountMinor'>> } = {},
): Invoice {
  const { lines, ...fields } = overrides;
  const priced = lines ?? [
    { description: 'Logo design', quantityThousandths: 2000n, unitPriceMinor: 45_000n },
    { description: 'Travel', quantityThousandths: 1500n, unitPriceMinor: 1999n },
  ];
  const taxRateBps = fields.taxRateBps ?? 1900;
  const totals = computeTotals(priced, BigInt(taxRateBps));
  return {
    id: '6f1d1f8e-2f4a-4c39-9a37-6d2b1e0c5a10',
    tenantId: '0b6f3c52-7f0e-4d55-8b4c-4a4f5f8d9e21',
    number: 'INV-2026-0042',
    status: 'sent',
    currency: 'EUR',
    minorUnits: 2,
    locale: 'de-DE',
    taxRateBps,
    issueDate: '2026-03-02',
    dueDate: '2026-03-16',
    client: { name: 'Zoë Müller', email: 'zoe@example.com', address: 'Hauptstraße 1\n10115 Berlin' },
    issuer: {
      name: 'Studio Nord',
      email: 'billing@studio.example',
      address: 'Hafenweg 2\n20457 Hamburg',
      taxId: 'DE123456789',
    },
    notes: 'Payable within 14 days.',
    items: priced.map((line, index) => ({ ...line, amountMinor: totals.lineAmountsMinor[index] ?? 0n })),
    subtotalMinor: totals.subtotalMinor,
    taxMinor: totals.taxMinor,
    totalMinor: totals.totalMinor,
    paidMinor: 0n,
    revision: 1,
    pdf: null,
    sentAt: null,
    paidAt: null,
    voidedAt: null,
    createdAt: new Date('2026-03-02T09:00:00Z'),
    updatedAt: new Date('2026-03-02T09:00:00Z'),
    ...fields,
  };
}

/** Collapses the whitespace that pdftotext's layout mode puts between columns. */
function squeeze(text: string): string {
  return text.replace(/[ \t]+/g, ' ');
}

describe('renderInvoicePdf', () => {
  it('prints parties, items, tax and amount due', async () => {
    const text = squeeze(await pdfText(await renderInvoicePdf(invoiceWith({ paidMinor: 10_000n }))));

    expect(text).toContain('INV-2026-0042');
    expect(text).toContain('Studio Nord');
    expect(text).toContain('Tax ID: DE123456789');
    expect(text).toContain('Zoë Müller');
    expect(text).toContain('Hauptstraße 1');
    expect(text).toContain('Logo design 2 450,00 € 900,00 €');
    expect(text).toContain('Travel 1,5 19,99 € 29,99 €');
    expect(text).toContain('Subtotal 929,99 €');
    expect(text).toContain('Tax (19 %) 176,70 €');
    expect(text).toContain('Total 1.106,69 €');
    expect(text).toContain('Paid 100,00 €');
    expect(text).toContain('Amount due 1.006,69 €');
    expect(text).toContain('2. März 2026');
    expect(text).toContain('Payable within 14 days.');
  });

  it('formats currencies with their own minor units and locale', async () => {
    const yen = squeeze(
      await pdfText(
        await renderInvoicePdf(
          invoiceWith({
            currency: 'JPY',
            minorUnits: 0,
            locale: 'ja-JP',
            taxRateBps: 1000,
            lines: [{ description: '翻訳', quantityThousandths: 3000n, unitPriceMinor: 12_345n }],
          }),
        ),
      ),
    );
    const dinar = squeeze(
      await pdfText(
        await renderInvoicePdf(
          invoiceWith({
            currency: 'BHD',
            minorUnits: 3,
            locale: 'en-US',
            taxRateBps: 1000,
            lines: [{ description: 'Consulting', quantityThousandths: 500n, unitPriceMinor: 1005n }],
          }),
        ),
      ),
    );

    expect(yen).toContain('￥37,035');
    expect(yen).toContain('￥40,739');
    expect(dinar).toContain('BHD 0.503');
    expect(dinar).toContain('BHD 0.553');
  });

  it('prints names in Chinese, Greek, Polish and Cyrillic', async () => {
    const names = [
      '张伟',
      '王秀英',
      'Αθηνά Παπαδοπούλου',
      'Łukasz Żółkiewski',
      'Иван Петров',
      'Ærøskøbing Ñandú',
    ];
    const pdf = await renderInvoicePdf(
      invoiceWith({
        client: { name: names[0] ?? '', email: null, address: '北京市朝阳区建国路88号' },
        issuer: { name: names[2] ?? '', email: null, address: 'Οδός Ερμού 10, Αθήνα', taxId: null },
        lines: names.map((name) => ({
          description: `Work for ${name}`,
          quantityThousandths: 1000n,
          unitPriceMinor: 100n,
        })),
      }),
    );
    const text = await pdfText(pdf);

    for (const name of names) expect(text).toContain(name);
    expect(text).toContain('北京市朝阳区建国路88号');
    expect(text).toContain('Οδός Ερμού 10');
  });

  it('prints right-to-left text with its letters', async () => {
    const text = await pdfText(
      await renderInvoicePdf(
        invoiceWith({
          client: { name: 'דוד כהן', email: null, address: 'רחוב הרצל 5, תל אביב' },
          lines: [
            { description: 'ייעוץ עסקי (שעתיים)', quantityThousandths: 2000n, unitPriceMinor: 100n },
            { description: 'تصميم الشعار', quantityThousandths: 1000n, unitPriceMinor: 100n },
          ],
        }),
      ),
    );

    // pdftotext reorders right-to-left words on its own terms, so check words, not word order.
    for (const word of ['דוד', 'כהן', 'הרצל', 'אביב', 'ייעוץ', 'עסקי', 'تصميم', 'الشعار']) {
      expect(text).toContain(word);
    }
  });

  it('paints right-to-left words from right to left', async () => {
    const words = await pdfWords(await renderInvoicePdf(invoiceWith({ notes: 'Fee: דמי טיפול נוסף' })));
    const fee = words.find((word) => word.text === 'Fee:');
    const line = words
      // Fonts differ in ascent, so words on one line have slightly different boxes.
      .filter((word) => fee !== undefined && Math.abs(word.yMin - fee.yMin) < 4)
      .sort((left, right) => left.xMin - right.xMin)
      .map((word) => word.text);

    // pdftotext -bbox lists glyphs as painted, so each Hebrew word appears reversed.
    expect(line).toEqual(['Fee:', 'ףסונ', 'לופיט', 'ימד']);
  });

  it('renders identical bytes for an unchanged invoice', async () => {
    const invoice = invoiceWith();
    const first = await renderInvoicePdf(invoice);
    const second = await renderInvoicePdf(structuredClone(invoice));
    const changed = await renderInvoicePdf(invoiceWith({ notes: 'Payable within 30 days.' }));

    expect(second.equals(first)).toBe(true);
    expect(changed.equals(first)).toBe(false);
    expect(first.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('breaks 500 items across pages with a header on each', async () => {
    const lines = Array.from({ length: 500 }, (_unused, index) => ({
      description: `Line item ${index + 1}`,
      quantityThousandths: 1000n,
      unitPriceMinor: BigInt(index + 1),
    }));
    const pages = (await pdfText(await renderInvoicePdf(invoiceWith({ lines }))))
      .split('\f')
      .filter((page) => page.trim() !== '');

    expect(pages.length).toBeGreaterThan(10);
    for (const [index, page] of pages.entries()) {
      expect(page).toContain(`Page ${index + 1} of ${pages.length}`);
    }
    const withItems = pages.filter((page) => /Line item \d+/.test(page));
    for (const page of withItems) expect(page).toMatch(/Description\s+Qty\s+Unit price\s+Amount/);
    const printed = pages.join('\n').match(/Line item \d+\b/g) ?? [];
    expect(printed).toEqual(lines.map((line) => line.description));
    expect(squeeze(pages.at(-1) ?? '')).toContain('Subtotal 1.252,50 €');
  });

  it('wraps a 10,000-character description over pages without losing text', async () => {
    const words = Array.from({ length: 1250 }, (_unused, index) => `w${String(index).padStart(5, '0')}`);
    const description = words.join(' ').padEnd(10_000, 'x').slice(0, 10_000);
    const text = await pdfText(
      await renderInvoicePdf(
        invoiceWith({ lines: [{ description, quantityThousandths: 1000n, unitPriceMinor: 1n }] }),
      ),
    );

    expect(text.split('\f').filter((page) => page.trim() !== '').length).toBeGreaterThan(1);
    const printed = text.match(/w\d{5}/g) ?? [];
    expect(printed).toEqual(description.match(/w\d{5}/g));
  });

  it('draws page one as an image', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'invoice-png-'));
    try {
      const file = path.join(directory, 'invoice.pdf');
      await writeFile(file, await renderInvoicePdf(invoiceWith()));
      await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, path.join(directory, 'page')]);
      const png = await readFile(path.join(directory, 'page-1.png'));

      expect(png.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
