import PDFDocument from 'pdfkit';
import type { Invoice } from '../invoices/invoice.js';
import { type FontCatalog, fontCatalog } from './font-catalog.js';
import { LocaleFormat } from './locale-format.js';
import { TextPainter, type TextStyle } from './text-painter.js';

/** A4 in points, with 50 pt margins; the footer sits in the bottom margin. */
const PAGE = { width: 595.28, height: 841.89, margin: 50 } as const;
const LEFT = PAGE.margin;
const RIGHT = PAGE.width - PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 20;

/** Right edges of the number columns and the width of the description column. */
const COLUMNS = {
  position: { right: LEFT + 24 },
  description: { x: LEFT + 32, width: 200 },
  quantity: { right: 345, width: 55 },
  unitPrice: { right: 445, width: 95 },
  amount: { right: RIGHT - 4, width: 95 },
} as const;

const BODY: TextStyle = { size: 9.5 };
const BOLD: TextStyle = { size: 9.5, weight: 700 };
const SMALL: TextStyle = { size: 8, color: '#555555' };
const LINE_HEIGHT = 13;

const STATUS_LABELS: Record<Invoice['status'], string> = {
  draft: 'DRAFT',
  sent: '',
  paid: 'PAID',
  void: 'VOID',
};

/**
 * Renders an invoice to PDF bytes. The output depends only on the invoice: the creation date is
 * the issue date and pdfkit derives the document ID and font subset tags from it, so rendering an
 * unchanged invoice again gives identical bytes. Labels are English; numbers, amounts and dates
 * follow the invoice's locale.
 */
export async function renderInvoicePdf(
  invoice: Invoice,
  fonts: FontCatalog = fontCatalog(),
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    bufferPages: true,
    info: {
      Title: `Invoice ${invoice.number}`,
      Author: invoice.issuer.name,
      Creator: 'Skillancer cockpit-svc',
      Producer: 'Skillancer cockpit-svc',
      CreationDate: new Date(`${invoice.issueDate}T00:00:00Z`),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const layout = new InvoiceLayout(doc, new TextPainter(doc, fonts), invoice);
  layout.render();
  doc.end();
  return finished;
}

/** Draws the parts of an invoice top to bottom, starting new pages as the content needs them. */
class InvoiceLayout {
  private y: number = PAGE.margin;
  private readonly format: LocaleFormat;

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly text: TextPainter,
    private readonly invoice: Invoice,
  ) {
    this.format = new LocaleFormat(invoice.locale, invoice.currency, invoice.minorUnits);
  }

  render(): void {
    this.drawHeading();
    this.drawParties();
    this.drawItems();
    this.drawTotals();
    this.drawNotes();
    this.drawFooters();
  }

  private drawHeading(): void {
    const { invoice } = this;
    this.text.draw('Invoice', LEFT, this.y + 22, { size: 22, weight: 700 });
    this.text.draw(invoice.number, RIGHT, this.y + 10, { size: 12, weight: 700 }, 'right');
    const status = STATUS_LABELS[invoice.status];
    if (status !== '') {
      this.text.draw(status, RIGHT, this.y + 26, { size: 11, weight: 700, color: '#b3261e' }, 'right');
    }
    this.y += 48;
  }

  private drawParties(): void {
    const { invoice, format } = this;
    const top = this.y;
    const issuerLines = [
      invoice.issuer.address,
      invoice.issuer.email,
      invoice.issuer.taxId === null ? null : `Tax ID: ${invoice.issuer.taxId}`,
    ];
    const leftBottom = this.drawParty('From', invoice.issuer.name, issuerLines, LEFT, top, 240);

    const facts: Array<[string, string]> = [
      ['Invoice number', invoice.number],
      ['Issue date', format.formatDate(invoice.issueDate)],
      ['Due date', format.formatDate(invoice.dueDate)],
      ['Currency', invoice.currency],
    ];
    let factY = top + 10;
    for (const [label, value] of facts) {
      this.text.draw(label, 340, factY, SMALL);
      this.text.draw(value, RIGHT, factY, BODY, 'right');
      factY += LINE_HEIGHT + 1;
    }
    this.y = Math.max(leftBottom, factY) + 10;

    const clientLines = [invoice.client.address, invoice.client.email];
    this.y = this.drawParty('Bill to', invoice.client.name, clientLines, LEFT, this.y, 300) + 14;
  }

  /** Draws a labelled name and address block; returns the y below it. */
  private drawParty(
    label: string,
    name: string,
    details: ReadonlyArray<string | null>,
    x: number,
    top: number,
    width: number,
  ): number {
    let y = top + 10;
    this.text.draw(label, x, y, SMALL);
    y += LINE_HEIGHT;
    for (const line of this.text.wrap(name, width, { size: 11, weight: 700 })) {
      this.text.drawWrapped(line, x, width, y, { size: 11, weight: 700 });
      y += LINE_HEIGHT + 1;
    }
    for (const detail of details) {
      if (detail === null) continue;
      for (const line of this.text.wrap(detail, width, BODY)) {
        this.text.drawWrapped(line, x, width, y, BODY);
        y += LINE_HEIGHT;
      }
    }
    return y;
  }

  private drawItems(): void {
    this.drawTableHeader();
    for (const [index, item] of this.invoice.items.entries()) {
      const description = this.text.wrap(item.description, COLUMNS.description.width, BODY);
      this.ensureSpace(LINE_HEIGHT + 6, true);
      const first = this.y + LINE_HEIGHT;
      this.text.draw(String(index + 1), COLUMNS.position.right, first, SMALL, 'right');
      this.drawCell(this.format.formatQuantity(item.quantityThousandths), COLUMNS.quantity, first);
      this.drawCell(this.format.formatMoney(item.unitPriceMinor), COLUMNS.unitPrice, first);
      this.drawCell(this.format.formatMoney(item.amountMinor), COLUMNS.amount, first);
      // A long description continues on the next page, under a repeated table header.
      for (const line of description) {
        this.ensureSpace(LINE_HEIGHT + 6, true);
        this.y += LINE_HEIGHT;
        this.text.drawWrapped(line, COLUMNS.description.x, COLUMNS.description.width, this.y, BODY);
      }
      this.y += 6;
      this.rule(this.y, '#e0e0e0');
    }
  }

  private drawTableHeader(): void {
    const top = this.y;
    this.doc.rect(LEFT, top, RIGHT - LEFT, 20).fill('#f0f0f0');
    const baseline = top + 14;
    this.text.draw('#', COLUMNS.position.right, baseline, BOLD, 'right');
    this.text.draw('Description', COLUMNS.description.x, baseline, BOLD);
    this.text.draw('Qty', COLUMNS.quantity.right, baseline, BOLD, 'right');
    this.text.draw('Unit price', COLUMNS.unitPrice.right, baseline, BOLD, 'right');
    this.text.draw('Amount', COLUMNS.amount.right, baseline, BOLD, 'right');
    this.y = top + 22;
  }

  /** Draws a right-aligned value, in a smaller size if it is wider than its column. */
  private drawCell(value: string, column: { right: number; width: number }, baseline: number): void {
    const width = this.text.measure(value, BODY);
    const size = width > column.width ? Math.max(5, (BODY.size * column.width) / width) : BODY.size;
    this.text.draw(value, column.right, baseline, { size }, 'right');
  }

  private drawTotals(): void {
    const { invoice, format } = this;
    const rows: Array<[string, string, boolean]> = [
      ['Subtotal', format.formatMoney(invoice.subtotalMinor), false],
      [`Tax (${format.formatTaxRate(invoice.taxRateBps)})`, format.formatMoney(invoice.taxMinor), false],
      ['Total', format.formatMoney(invoice.totalMinor), true],
    ];
    if (invoice.paidMinor > 0n) rows.push(['Paid', format.formatMoney(invoice.paidMinor), false]);
    const dueMinor = invoice.status === 'void' ? 0n : invoice.totalMinor - invoice.paidMinor;
    rows.push(['Amount due', format.formatMoney(dueMinor), true]);

    this.ensureSpace(rows.length * 17 + 20, false);
    this.y += 10;
    for (const [label, value, strong] of rows) {
      this.y += 17;
      const style = strong ? { size: 11, weight: 700 as const } : BODY;
      this.text.draw(label, 330, this.y, style);
      this.drawCell(value, { right: COLUMNS.amount.right, width: 150 }, this.y);
      if (strong) this.rule(this.y + 5, '#999999', 330);
    }
    this.y += 20;
  }

  private drawNotes(): void {
    if (this.invoice.notes === null) return;
    this.ensureSpace(LINE_HEIGHT * 2, false);
    this.y += LINE_HEIGHT;
    this.text.draw('Notes', LEFT, this.y, SMALL);
    for (const line of this.text.wrap(this.invoice.notes, RIGHT - LEFT, BODY)) {
      this.ensureSpace(LINE_HEIGHT, false);
      this.y += LINE_HEIGHT;
      this.text.drawWrapped(line, LEFT, RIGHT - LEFT, this.y, BODY);
    }
  }

  /** Writes the invoice number and "Page n of m" at the foot of every page, once all pages exist. */
  private drawFooters(): void {
    const range = this.doc.bufferedPageRange();
    for (let page = range.start; page < range.start + range.count; page++) {
      this.doc.switchToPage(page);
      const footer = `${this.invoice.number} · Page ${page - range.start + 1} of ${range.count}`;
      this.text.draw(footer, RIGHT, PAGE.height - PAGE.margin + 10, SMALL, 'right');
    }
  }

  /** Starts a new page when `height` points do not fit above the footer. */
  private ensureSpace(height: number, tableHeader: boolean): void {
    if (this.y + height <= BOTTOM) return;
    this.doc.addPage();
    this.y = PAGE.margin;
    if (tableHeader) this.drawTableHeader();
  }

  private rule(y: number, color: string, from: number = LEFT): void {
    this.doc.moveTo(from, y).lineTo(RIGHT, y).lineWidth(0.5).strokeColor(color).stroke();
  }
}
