/** The states an invoice moves through: draft → sent → paid, or sent → void. */
export type InvoiceStatus = 'draft' | 'sent' | 'paid' | 'void';

/** Name and contact details copied onto the invoice, so later profile edits do not change it. */
export interface PartySnapshot {
  name: string;
  email: string | null;
  address: string | null;
}

export interface IssuerSnapshot extends PartySnapshot {
  taxId: string | null;
}

export interface InvoiceLine {
  description: string;
  quantityThousandths: bigint;
  unitPriceMinor: bigint;
  /** Quantity × unit price, rounded half up to a whole minor unit. */
  amountMinor: bigint;
}

/** Everything a draft's author sets, with the totals derived from it. */
export interface InvoiceContent {
  client: PartySnapshot;
  issuer: IssuerSnapshot;
  items: InvoiceLine[];
  /** ISO 4217 code. */
  currency: string;
  /** Digits after the decimal point in the currency, from ISO 4217. */
  minorUnits: number;
  taxRateBps: number;
  /** `YYYY-MM-DD`. */
  issueDate: string;
  /** `YYYY-MM-DD`, on or after the issue date. */
  dueDate: string;
  notes: string | null;
  /** Canonical BCP 47 tag, such as `de-DE`. */
  locale: string;
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

/** The stored PDF of an invoice. */
export interface StoredPdf {
  key: string;
  sha256: string;
  size: number;
  /** The invoice revision the PDF shows. */
  revision: number;
  renderedAt: Date;
}

export interface Invoice extends InvoiceContent {
  id: string;
  tenantId: string;
  number: string;
  status: InvoiceStatus;
  paidMinor: bigint;
  /** Incremented by every change to what the PDF shows. */
  revision: number;
  pdf: StoredPdf | null;
  sentAt: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Formats an invoice number: `INV-2026-0001`; sequences past 9999 get more digits. */
export function formatInvoiceNumber(year: number, sequence: number): string {
  return `INV-${year}-${String(sequence).padStart(4, '0')}`;
}
