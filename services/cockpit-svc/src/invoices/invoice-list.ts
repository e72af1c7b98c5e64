import type { Queryable } from '@skillancer/database';
import { badRequest } from '@skillancer/service-kit';
import type { Invoice, InvoiceStatus } from './invoice.js';
import { type InvoiceRow, toInvoice } from './invoice-repository.js';

export interface InvoiceFilter {
  status?: InvoiceStatus;
  /** Case-insensitive substring of the client's name. */
  client?: string;
  /** Inclusive bounds on the issue date, `YYYY-MM-DD`. */
  issuedFrom?: string;
  issuedTo?: string;
  limit: number;
  cursor?: string;
}

/**
 * A page position: the number year and sequence of the last invoice on the previous page. Numbers
 * are unique per tenant and only grow, so paging by them never skips or repeats an invoice, even
 * while new invoices are created.
 */
interface Cursor {
  year: number;
  sequence: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.year}:${cursor.sequence}`).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  const match = /^(\d{1,4}):(\d{1,9})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match === null) {
    throw badRequest(
      'invalid_cursor',
      'query.cursor: the cursor is not one this API returned; pass nextCursor from the previous page unchanged',
      { field: 'query.cursor' },
    );
  }
  return { year: Number(match[1]), sequence: Number(match[2]) };
}

/** Escapes `%`, `_` and `\` so that the text matches literally inside an ILIKE pattern. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Lists a tenant's invoices, newest number first, one page at a time. */
export async function listInvoices(
  db: Queryable,
  tenantId: string,
  filter: InvoiceFilter,
): Promise<{ items: Array<Omit<Invoice, 'items'>>; nextCursor: string | null }> {
  const conditions = ['tenant_id = $1', "status <> 'deleted'"];
  const params: unknown[] = [tenantId];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };

  if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
  if (filter.client !== undefined)
    add((p) => `client_name ILIKE ${p} ESCAPE '\\'`, likePattern(filter.client));
  if (filter.issuedFrom !== undefined) add((p) => `issue_date >= ${p}::date`, filter.issuedFrom);
  if (filter.issuedTo !== undefined) add((p) => `issue_date <= ${p}::date`, filter.issuedTo);
  if (filter.cursor !== undefined) {
    const cursor = decodeCursor(filter.cursor);
    params.push(cursor.year, cursor.sequence);
    conditions.push(`(number_year, number_sequence) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(filter.limit + 1);

  const { rows } = await db.query<InvoiceRow>(
    `SELECT * FROM invoices WHERE ${conditions.join(' AND ')}
     ORDER BY number_year DESC, number_sequence DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    // Pages carry no line items: an invoice can have hundreds, and GET /finance/invoices/:id returns them.
    items: page.map((row) => toInvoice(row, [])),
    nextCursor:
      rows.length > filter.limit && last !== undefined
        ? encodeCursor({ year: last.number_year, sequence: last.number_sequence })
        : null,
  };
}
