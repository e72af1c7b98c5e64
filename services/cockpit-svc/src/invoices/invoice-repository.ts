import type { Queryable } from '@skillancer/database';
import { minorUnitsOf } from './currencies.js';
import type { Invoice, InvoiceContent, InvoiceLine, InvoiceStatus, StoredPdf } from './invoice.js';

/** Columns of `invoices` as both engines return them: bigint and date columns arrive as strings. */
interface InvoiceRow {
  [column: string]: unknown;
  id: string;
  tenant_id: string;
  number: string;
  number_year: number;
  number_sequence: number;
  status: InvoiceStatus | 'deleted';
  currency: string;
  locale: string;
  tax_rate_bps: number;
  issue_date: string;
  due_date: string;
  client_name: string;
  client_email: string | null;
  client_address: string | null;
  issuer_name: string;
  issuer_email: string | null;
  issuer_address: string | null;
  issuer_tax_id: string | null;
  notes: string | null;
  subtotal_minor: string;
  tax_minor: string;
  total_minor: string;
  paid_minor: string;
  revision: number;
  pdf_key: string | null;
  pdf_sha256: string | null;
  pdf_size: number | null;
  pdf_revision: number | null;
  pdf_rendered_at: Date | null;
  sent_at: Date | null;
  paid_at: Date | null;
  voided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface ItemRow {
  [column: string]: unknown;
  invoice_id: string;
  position: number;
  description: string;
  quantity_thousandths: string;
  unit_price_minor: string;
  amount_minor: string;
}

/**
 * Takes the next number of a tenant's year: creates the counter row at 1 or increments it, and
 * returns the new value. Call it inside the transaction that inserts the invoice, so that a
 * rollback also returns the number and concurrent callers wait on the row lock.
 */
export async function takeNextSequence(tx: Queryable, tenantId: string, year: number): Promise<number> {
  const { rows } = await tx.query<{ last_sequence: number }>(
    `INSERT INTO invoice_number_counters (tenant_id, year, last_sequence) VALUES ($1, $2, 1)
     ON CONFLICT (tenant_id, year)
     DO UPDATE SET last_sequence = invoice_number_counters.last_sequence + 1
     RETURNING last_sequence`,
    [tenantId, year],
  );
  const sequence = rows[0]?.last_sequence;
  if (sequence === undefined) throw new Error('The invoice number counter returned no row');
  return sequence;
}

export async function insertInvoice(
  tx: Queryable,
  invoice: { id: string; tenantId: string; number: string; year: number; sequence: number },
  content: InvoiceContent,
): Promise<void> {
  await tx.query(
    `INSERT INTO invoices (id, tenant_id, number, number_year, number_sequence, status, currency, locale,
       tax_rate_bps, issue_date, due_date, client_name, client_email, client_address, issuer_name,
       issuer_email, issuer_address, issuer_tax_id, notes, subtotal_minor, tax_minor, total_minor)
     VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
       $19, $20, $21)`,
    [invoice.id, invoice.tenantId, invoice.number, invoice.year, invoice.sequence, ...contentParams(content)],
  );
  await insertItems(tx, invoice.id, content.items);
}

/** Replaces a draft's content and items and increments its revision. */
export async function updateContent(tx: Queryable, id: string, content: InvoiceContent): Promise<void> {
  await tx.query(
    `UPDATE invoices SET currency = $2, locale = $3, tax_rate_bps = $4, issue_date = $5, due_date = $6,
       client_name = $7, client_email = $8, client_address = $9, issuer_name = $10, issuer_email = $11,
       issuer_address = $12, issuer_tax_id = $13, notes = $14, subtotal_minor = $15, tax_minor = $16,
       total_minor = $17, revision = revision + 1, updated_at = now()
     WHERE id = $1`,
    [id, ...contentParams(content)],
  );
  await tx.query('DELETE FROM invoice_items WHERE invoice_id = $1', [id]);
  await insertItems(tx, id, content.items);
}

function contentParams(content: InvoiceContent): unknown[] {
  return [
    content.currency,
    content.locale,
    content.taxRateBps,
    content.issueDate,
    content.dueDate,
    content.client.name,
    content.client.email,
    content.client.address,
    content.issuer.name,
    content.issuer.email,
    content.issuer.address,
    content.issuer.taxId,
    content.notes,
    content.subtotalMinor.toString(),
    content.taxMinor.toString(),
    content.totalMinor.toString(),
  ];
}

/** Inserts all items in one statement: one array parameter per column, unnested into rows. */
async function insertItems(tx: Queryable, invoiceId: string, items: readonly InvoiceLine[]): Promise<void> {
  await tx.query(
    `INSERT INTO invoice_items (invoice_id, position, description, quantity_thousandths, unit_price_minor,
       amount_minor)
     SELECT $1, item.position, item.description, item.quantity, item.price, item.amount
       FROM unnest($2::integer[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
         AS item (position, description, quantity, price, amount)`,
    [
      invoiceId,
      items.map((_item, index) => index + 1),
      items.map((item) => item.description),
      items.map((item) => item.quantityThousandths.toString()),
      items.map((item) => item.unitPriceMinor.toString()),
      items.map((item) => item.amountMinor.toString()),
    ],
  );
}

/**
 * Loads an invoice of the tenant, or null when there is none with this id in the tenant (another
 * tenant's invoices and deleted drafts included). `forUpdate` locks the row until the transaction ends.
 */
export async function findInvoice(
  db: Queryable,
  tenantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Invoice | null> {
  const { rows } = await db.query<InvoiceRow>(
    `SELECT * FROM invoices WHERE id = $1 AND tenant_id = $2 AND status <> 'deleted'
     ${options.forUpdate ? 'FOR UPDATE' : ''}`,
    [id, tenantId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  const items = await db.query<ItemRow>(
    'SELECT * FROM invoice_items WHERE invoice_id = $1 ORDER BY position',
    [id],
  );
  return toInvoice(row, items.rows);
}

export function toInvoice(row: InvoiceRow, itemRows: readonly ItemRow[]): Invoice {
  if (row.status === 'deleted') throw new Error(`Invoice ${row.id} is deleted`);
  const minorUnits = minorUnitsOf(row.currency);
  if (minorUnits === undefined) throw new Error(`Invoice ${row.id} has the unknown currency ${row.currency}`);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    number: row.number,
    status: row.status,
    currency: row.currency,
    minorUnits,
    locale: row.locale,
    taxRateBps: row.tax_rate_bps,
    issueDate: row.issue_date,
    dueDate: row.due_date,
    client: { name: row.client_name, email: row.client_email, address: row.client_address },
    issuer: {
      name: row.issuer_name,
      email: row.issuer_email,
      address: row.issuer_address,
      taxId: row.issuer_tax_id,
    },
    notes: row.notes,
    items: itemRows.map((item) => ({
      description: item.description,
      quantityThousandths: BigInt(item.quantity_thousandths),
      unitPriceMinor: BigInt(item.unit_price_minor),
      amountMinor: BigInt(item.amount_minor),
    })),
    subtotalMinor: BigInt(row.subtotal_minor),
    taxMinor: BigInt(row.tax_minor),
    totalMinor: BigInt(row.total_minor),
    paidMinor: BigInt(row.paid_minor),
    revision: row.revision,
    pdf: toStoredPdf(row),
    sentAt: row.sent_at,
    paidAt: row.paid_at,
    voidedAt: row.voided_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toStoredPdf(row: InvoiceRow): StoredPdf | null {
  if (
    row.pdf_key === null ||
    row.pdf_sha256 === null ||
    row.pdf_size === null ||
    row.pdf_revision === null ||
    row.pdf_rendered_at === null
  ) {
    return null;
  }
  return {
    key: row.pdf_key,
    sha256: row.pdf_sha256,
    size: row.pdf_size,
    revision: row.pdf_revision,
    renderedAt: row.pdf_rendered_at,
  };
}

export type { InvoiceRow, ItemRow };
