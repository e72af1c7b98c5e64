/**
 * Invoice PDF rendering throughput of cockpit-svc, measured side by side in one process:
 * - a 20-item invoice with a mixed-script client (Latin, Polish, Greek, Chinese) through
 *   `renderInvoicePdf`, which lays out, wraps and embeds font subsets,
 * - against a one-line pdfkit document in the built-in Helvetica, the fixed cost of pdfkit's
 *   document machinery without any font embedding.
 * Both run in alternating half-second slices after a warm-up, so machine load hits them alike.
 */

import { computeTotals, type Invoice, renderInvoicePdf } from '@skillancer/cockpit-svc';
import PDFDocument from 'pdfkit';
import type { BenchResult } from './types.js';

const SLICE_MS = 500;
const ROUNDS = 8;

function twentyItemInvoice(): Invoice {
  const lines = Array.from({ length: 20 }, (_unused, index) => ({
    description:
      index % 5 === 0
        ? `Workshop ${index + 1}: Łódź, Αθήνα, 北京 — facilitation and notes`
        : `Design work, item ${index + 1}`,
    quantityThousandths: 1500n + BigInt(index) * 250n,
    unitPriceMinor: 12_345n + BigInt(index) * 100n,
  }));
  const totals = computeTotals(lines, 1900n);
  return {
    id: '6f1d1f8e-2f4a-4c39-9a37-6d2b1e0c5a10',
    tenantId: '0b6f3c52-7f0e-4d55-8b4c-4a4f5f8d9e21',
    number: 'INV-2026-0001',
    status: 'sent',
    currency: 'EUR',
    minorUnits: 2,
    locale: 'de-DE',
    taxRateBps: 1900,
    issueDate: '2026-03-02',
    dueDate: '2026-03-16',
    client: { name: 'Zoë Żółkiewska 张伟', email: 'zoe@example.com', address: 'Hauptstraße 1\n10115 Berlin' },
    issuer: {
      name: 'Studio Nord',
      email: 'billing@studio.example',
      address: 'Hafenweg 2\n20457 Hamburg',
      taxId: 'DE123456789',
    },
    notes: 'Payable within 14 days by bank transfer.',
    items: lines.map((line, index) => ({ ...line, amountMinor: totals.lineAmountsMinor[index] ?? 0n })),
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
  };
}

/** Renders a one-line document in Helvetica, one of the 14 standard PDF fonts that are never embedded. */
function renderOneLine(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', info: { CreationDate: new Date('2026-03-02T00:00:00Z') } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.font('Helvetica').fontSize(12).text('Invoice INV-2026-0001', 50, 50);
  doc.end();
  return done;
}

/** Runs `render` repeatedly for `ms` and returns the count and elapsed milliseconds. */
async function slice(render: () => Promise<Buffer>, ms: number): Promise<{ count: number; elapsed: number }> {
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < ms) {
    await render();
    count += 1;
  }
  return { count, elapsed: performance.now() - start };
}

export default async function run(): Promise<BenchResult> {
  const invoice = twentyItemInvoice();
  const renderInvoice = () => renderInvoicePdf(invoice);
  // Warm-up: loads and parses the fonts and lets the JIT settle.
  await slice(renderInvoice, 1000);
  await slice(renderOneLine, 300);

  const totals = { invoice: { count: 0, elapsed: 0 }, baseline: { count: 0, elapsed: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, render] of [
      ['invoice', renderInvoice],
      ['baseline', renderOneLine],
    ] as const) {
      const measured = await slice(render, SLICE_MS);
      totals[name].count += measured.count;
      totals[name].elapsed += measured.elapsed;
    }
  }

  const invoicePerSecond = (totals.invoice.count * 1000) / totals.invoice.elapsed;
  const baselinePerSecond = (totals.baseline.count * 1000) / totals.baseline.elapsed;
  const size = (await renderInvoice()).length;
  return {
    name: 'invoices',
    figures: [
      {
        metric: 'invoice PDF renders (20 items, mixed scripts)',
        value: Number(invoicePerSecond.toFixed(1)),
        unit: 'renders/s',
        baseline: 'one-line pdfkit document in Helvetica',
        baselineValue: Number(baselinePerSecond.toFixed(1)),
        ratio: Number((invoicePerSecond / baselinePerSecond).toFixed(3)),
      },
      { metric: 'invoice PDF size (20 items)', value: size, unit: 'bytes' },
    ],
  };
}
