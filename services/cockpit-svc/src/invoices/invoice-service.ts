import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { badRequest, conflict, notFound, unprocessable } from '@skillancer/service-kit';
import type { CreateInvoiceBody, PaymentBody, UpdateInvoiceBody } from '../routes/invoice-schemas.js';
import { formatInvoiceNumber, type Invoice, type IssuerSnapshot } from './invoice.js';
import { buildInvoiceContent, checkDate, type DraftInput } from './invoice-input.js';
import { findInvoice, insertInvoice, takeNextSequence, updateContent } from './invoice-repository.js';
import { insertPayment, markSent, markVoid, type PaymentRecord, tombstoneDraft } from './invoice-updates.js';
import { formatQuantity, MAX_AMOUNT_MINOR } from './money.js';

export interface InvoiceServiceOptions {
  db: Database;
  /** Clock for the year in new invoice numbers; tests replace it. */
  now?: () => Date;
}

/**
 * The invoice lifecycle: drafts are created, edited and deleted; sending locks the content; payments
 * settle a sent invoice; voiding cancels one that has no payments. Every method is scoped to one
 * tenant, and an id from another tenant is reported as not found.
 */
export class InvoiceService {
  private readonly db: Database;
  private readonly now: () => Date;

  constructor(options: InvoiceServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Creates a draft numbered `INV-<year>-<sequence>`, where the year is the current UTC year and the
   * sequence the tenant's next one for that year.
   */
  async create(tenantId: string, body: CreateInvoiceBody): Promise<Invoice> {
    const content = buildInvoiceContent(body, await this.defaultIssuer(tenantId));
    const id = randomUUID();
    const year = this.now().getUTCFullYear();
    await this.db.transaction(async (tx) => {
      const sequence = await takeNextSequence(tx, tenantId, year);
      const number = formatInvoiceNumber(year, sequence);
      await insertInvoice(tx, { id, tenantId, number, year, sequence }, content);
    });
    return this.get(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<Invoice> {
    const invoice = await findInvoice(this.db, tenantId, id);
    if (invoice === null) throw notFound('Invoice');
    return invoice;
  }

  /** Changes a draft; the fields given replace the stored ones, and `items` replaces the whole list. */
  async update(tenantId: string, id: string, patch: UpdateInvoiceBody): Promise<Invoice> {
    const defaultIssuer = await this.defaultIssuer(tenantId);
    await this.db.transaction(async (tx) => {
      const invoice = await findInvoice(tx, tenantId, id, { forUpdate: true });
      if (invoice === null) throw notFound('Invoice');
      requireDraft(invoice, 'edited');
      const { issuer, notes, ...fields } = patch;
      const merged: DraftInput = { ...draftInputOf(invoice), ...withoutUndefined(fields) };
      // null clears the field: no issuer means the tenant's name, no notes means none printed.
      if (issuer === null) delete merged.issuer;
      else if (issuer !== undefined) merged.issuer = issuer;
      if (notes === null) delete merged.notes;
      else if (notes !== undefined) merged.notes = notes;
      await updateContent(tx, id, buildInvoiceContent(merged, defaultIssuer));
    });
    return this.get(tenantId, id);
  }

  /** Deletes a draft. Its number stays taken, so numbers have no gaps; returns the key of its PDF, if any. */
  async delete(tenantId: string, id: string): Promise<string | null> {
    return this.db.transaction(async (tx) => {
      const invoice = await findInvoice(tx, tenantId, id, { forUpdate: true });
      if (invoice === null) throw notFound('Invoice');
      requireDraft(invoice, 'deleted');
      await tombstoneDraft(tx, id);
      return invoice.pdf?.key ?? null;
    });
  }

  /** Locks a draft's content and marks it sent, or paid at once when its total is zero. */
  async send(tenantId: string, id: string): Promise<Invoice> {
    await this.db.transaction(async (tx) => {
      const invoice = await findInvoice(tx, tenantId, id, { forUpdate: true });
      if (invoice === null) throw notFound('Invoice');
      requireDraft(invoice, 'sent');
      await markSent(tx, id, invoice.totalMinor === 0n);
    });
    return this.get(tenantId, id);
  }

  /** Cancels a sent invoice that has no payments; its number stays taken. */
  async void(tenantId: string, id: string): Promise<Invoice> {
    await this.db.transaction(async (tx) => {
      const invoice = await findInvoice(tx, tenantId, id, { forUpdate: true });
      if (invoice === null) throw notFound('Invoice');
      if (invoice.status !== 'sent') {
        throw conflict(
          'invoice_not_voidable',
          `Invoice ${invoice.number} is ${invoice.status}; only sent invoices can be voided (delete a draft instead)`,
        );
      }
      if (invoice.paidMinor > 0n) {
        throw conflict(
          'invoice_has_payments',
          `Invoice ${invoice.number} has payments recorded; an invoice with payments cannot be voided`,
        );
      }
      await markVoid(tx, id);
    });
    return this.get(tenantId, id);
  }

  /** Records a full or partial payment of a sent invoice; the invoice becomes paid when nothing is due. */
  async addPayment(
    tenantId: string,
    id: string,
    body: PaymentBody,
  ): Promise<{ invoice: Invoice; payment: PaymentRecord }> {
    const amountMinor = checkPaymentAmount(body.amountMinor);
    const paidOn = checkDate(body.paidOn, 'body.paidOn');
    const payment = {
      id: randomUUID(),
      invoiceId: id,
      tenantId,
      amountMinor,
      paidOn,
      reference: body.reference ?? null,
    };
    await this.db.transaction(async (tx) => {
      const invoice = await findInvoice(tx, tenantId, id, { forUpdate: true });
      if (invoice === null) throw notFound('Invoice');
      if (invoice.status !== 'sent') {
        throw conflict(
          'invoice_not_payable',
          `Invoice ${invoice.number} is ${invoice.status}; payments can be recorded only for sent invoices`,
        );
      }
      const dueMinor = invoice.totalMinor - invoice.paidMinor;
      if (amountMinor > dueMinor) {
        throw unprocessable(
          'payment_exceeds_amount_due',
          `body.amountMinor: ${amountMinor} is more than the ${dueMinor} minor units still due on ${invoice.number}`,
          { field: 'body.amountMinor', amountDueMinor: Number(dueMinor) },
        );
      }
      await insertPayment(tx, payment, amountMinor === dueMinor);
    });
    const invoice = await this.get(tenantId, id);
    return { invoice, payment: { ...payment, createdAt: invoice.updatedAt } };
  }

  /** Returns the issuer printed when a draft names none: the tenant's name. */
  private async defaultIssuer(tenantId: string): Promise<IssuerSnapshot> {
    const { rows } = await this.db.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [
      tenantId,
    ]);
    return { name: rows[0]?.name ?? '', email: null, address: null, taxId: null };
  }
}

function requireDraft(invoice: Invoice, action: string): void {
  if (invoice.status !== 'draft') {
    throw conflict(
      'invoice_not_draft',
      `Invoice ${invoice.number} is ${invoice.status}; only drafts can be ${action}`,
    );
  }
}

function checkPaymentAmount(amountMinor: number): bigint {
  if (Number.isInteger(amountMinor) && amountMinor > Number(MAX_AMOUNT_MINOR)) {
    throw badRequest('amount_too_large', `body.amountMinor: ${amountMinor} exceeds 2^53 - 1 minor units`, {
      field: 'body.amountMinor',
    });
  }
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw badRequest(
      'invalid_amount',
      `body.amountMinor: ${amountMinor} is not a positive whole number of minor units`,
      { field: 'body.amountMinor' },
    );
  }
  return BigInt(amountMinor);
}

/** Converts a stored draft back to the API's input shape, so that a patch can be merged and re-checked. */
function draftInputOf(invoice: Invoice): DraftInput {
  return {
    client: {
      name: invoice.client.name,
      ...(invoice.client.email === null ? {} : { email: invoice.client.email }),
      ...(invoice.client.address === null ? {} : { address: invoice.client.address }),
    },
    issuer: {
      name: invoice.issuer.name,
      ...(invoice.issuer.email === null ? {} : { email: invoice.issuer.email }),
      ...(invoice.issuer.address === null ? {} : { address: invoice.issuer.address }),
      ...(invoice.issuer.taxId === null ? {} : { taxId: invoice.issuer.taxId }),
    },
    items: invoice.items.map((item) => ({
      description: item.description,
      quantity: formatQuantity(item.quantityThousandths),
      unitPriceMinor: Number(item.unitPriceMinor),
    })),
    currency: invoice.currency,
    taxRateBps: invoice.taxRateBps,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    locale: invoice.locale,
    ...(invoice.notes === null ? {} : { notes: invoice.notes }),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
