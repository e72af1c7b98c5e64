import type { Invoice } from '../invoices/invoice.js';
import type { PaymentRecord } from '../invoices/invoice-updates.js';
import { formatQuantity } from '../invoices/money.js';
import type { InvoiceResponse } from './invoice-schemas.js';

/** Converts a stored invoice to its API form; amounts fit JSON numbers because they are capped at 2^53 − 1. */
export function toInvoiceResponse(invoice: Invoice): InvoiceResponse {
  return { ...toInvoiceSummary(invoice), items: invoice.items.map(toItemResponse) };
}

/** The API form without line items, as used in list pages. */
export function toInvoiceSummary(invoice: Omit<Invoice, 'items'>): Omit<InvoiceResponse, 'items'> {
  return {
    id: invoice.id,
    number: invoice.number,
    status: invoice.status,
    currency: invoice.currency,
    locale: invoice.locale,
    taxRateBps: invoice.taxRateBps,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    client: invoice.client,
    issuer: invoice.issuer,
    notes: invoice.notes,
    subtotalMinor: Number(invoice.subtotalMinor),
    taxMinor: Number(invoice.taxMinor),
    totalMinor: Number(invoice.totalMinor),
    paidMinor: Number(invoice.paidMinor),
    amountDueMinor: invoice.status === 'void' ? 0 : Number(invoice.totalMinor - invoice.paidMinor),
    revision: invoice.revision,
    pdf:
      invoice.pdf === null
        ? null
        : {
            sha256: invoice.pdf.sha256,
            size: invoice.pdf.size,
            upToDate: invoice.pdf.revision === invoice.revision,
            renderedAt: invoice.pdf.renderedAt.toISOString(),
          },
    sentAt: invoice.sentAt?.toISOString() ?? null,
    paidAt: invoice.paidAt?.toISOString() ?? null,
    voidedAt: invoice.voidedAt?.toISOString() ?? null,
    createdAt: invoice.createdAt.toISOString(),
    updatedAt: invoice.updatedAt.toISOString(),
  };
}

function toItemResponse(item: Invoice['items'][number]) {
  return {
    description: item.description,
    quantity: formatQuantity(item.quantityThousandths),
    unitPriceMinor: Number(item.unitPriceMinor),
    amountMinor: Number(item.amountMinor),
  };
}

export function toPaymentResponse(payment: PaymentRecord) {
  return {
    id: payment.id,
    amountMinor: Number(payment.amountMinor),
    paidOn: payment.paidOn,
    reference: payment.reference,
    createdAt: payment.createdAt.toISOString(),
  };
}
