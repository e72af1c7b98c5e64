import type { Queryable } from '@skillancer/database';
import type { StoredPdf } from './invoice.js';

/** Status changes and PDF bookkeeping. Callers hold the row lock from `findInvoice(..., { forUpdate })`. */

export async function markSent(tx: Queryable, id: string, settled: boolean): Promise<void> {
  await tx.query(
    `UPDATE invoices SET status = $2, sent_at = now(), paid_at = CASE WHEN $3 THEN now() END,
       revision = revision + 1, updated_at = now()
     WHERE id = $1`,
    [id, settled ? 'paid' : 'sent', settled],
  );
}

export async function markVoid(tx: Queryable, id: string): Promise<void> {
  await tx.query(
    `UPDATE invoices SET status = 'void', voided_at = now(), revision = revision + 1, updated_at = now()
     WHERE id = $1`,
    [id],
  );
}

/** Records a payment and adds it to the paid amount; `settles` also marks the invoice paid. */
export async function insertPayment(
  tx: Queryable,
  payment: {
    id: string;
    invoiceId: string;
    tenantId: string;
    amountMinor: bigint;
    paidOn: string;
    reference: string | null;
  },
  settles: boolean,
): Promise<void> {
  await tx.query(
    `INSERT INTO invoice_payments (id, invoice_id, tenant_id, amount_minor, paid_on, reference)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      payment.id,
      payment.invoiceId,
      payment.tenantId,
      payment.amountMinor.toString(),
      payment.paidOn,
      payment.reference,
    ],
  );
  await tx.query(
    `UPDATE invoices SET paid_minor = paid_minor + $2,
       status = CASE WHEN $3 THEN 'paid' ELSE status END,
       paid_at = CASE WHEN $3 THEN now() ELSE paid_at END,
       revision = revision + 1, updated_at = now()
     WHERE id = $1`,
    [payment.invoiceId, payment.amountMinor.toString(), settles],
  );
}

export interface PaymentRecord {
  id: string;
  amountMinor: bigint;
  paidOn: string;
  reference: string | null;
  createdAt: Date;
}

export async function listPayments(db: Queryable, invoiceId: string): Promise<PaymentRecord[]> {
  const { rows } = await db.query<{
    id: string;
    amount_minor: string;
    paid_on: string;
    reference: string | null;
    created_at: Date;
  }>(
    `SELECT id, amount_minor, paid_on, reference, created_at FROM invoice_payments
     WHERE invoice_id = $1 ORDER BY created_at, id`,
    [invoiceId],
  );
  return rows.map((row) => ({
    id: row.id,
    amountMinor: BigInt(row.amount_minor),
    paidOn: row.paid_on,
    reference: row.reference,
    createdAt: row.created_at,
  }));
}

/**
 * Turns a draft into a tombstone: its content and items are removed, but the row keeps its number,
 * so the tenant's sequence of numbers stays without gaps.
 */
export async function tombstoneDraft(tx: Queryable, id: string): Promise<void> {
  await tx.query('DELETE FROM invoice_items WHERE invoice_id = $1', [id]);
  await tx.query(
    `UPDATE invoices SET status = 'deleted', deleted_at = now(), updated_at = now(),
       client_name = '', client_email = NULL, client_address = NULL, issuer_name = '',
       issuer_email = NULL, issuer_address = NULL, issuer_tax_id = NULL, notes = NULL,
       subtotal_minor = 0, tax_minor = 0, total_minor = 0, pdf_key = NULL, pdf_sha256 = NULL,
       pdf_size = NULL, pdf_revision = NULL, pdf_rendered_at = NULL
     WHERE id = $1`,
    [id],
  );
}

/**
 * Records the stored PDF of an invoice, only if the invoice is still at the revision the PDF shows
 * and still points at `previousKey` (null for none). Returns false when another request changed
 * either meanwhile; the caller then deletes the object it stored.
 */
export async function recordPdf(
  db: Queryable,
  tenantId: string,
  invoiceId: string,
  pdf: Omit<StoredPdf, 'renderedAt'>,
  previousKey: string | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE invoices SET pdf_key = $4, pdf_sha256 = $5, pdf_size = $6, pdf_revision = $3,
       pdf_rendered_at = now()
     WHERE id = $1 AND tenant_id = $2 AND revision = $3 AND status <> 'deleted'
       AND pdf_key IS NOT DISTINCT FROM $7`,
    [invoiceId, tenantId, pdf.revision, pdf.key, pdf.sha256, pdf.size, previousKey],
  );
  return rowCount === 1;
}
