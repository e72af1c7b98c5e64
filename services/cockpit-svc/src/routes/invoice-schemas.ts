import { z } from 'zod';

/**
 * Request and response schemas of the invoice routes. They check shapes and types and reject
 * unknown fields. Rules with their own error codes (currency, quantity, amounts, item count,
 * description length, tax rate) are checked after parsing by `invoices/invoice-input.ts`, because
 * zod failures all become `validation_failed`.
 */

/** Control characters (NUL, escape, DEL, C1 controls, ...) other than tab, newline and carriage return. */
const CONTROL_CHARACTERS = /(?![\t\n\r])\p{Cc}/u;
/** With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /\p{Cs}/u;

function text(maxLength: number) {
  return z
    .string()
    .max(maxLength)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode');
}

/** A string checked only for encoding; its length rule has its own error code. */
const unboundedText = z
  .string()
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
  .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode');

const partyFields = {
  name: text(200).refine((value) => value.trim() !== '', 'must not be blank'),
  email: z.email().max(320).optional(),
  address: text(1000).optional(),
};

export const clientSchema = z.strictObject(partyFields);
export const issuerSchema = z.strictObject({ ...partyFields, taxId: text(64).optional() });

export const itemSchema = z.strictObject({
  description: unboundedText.refine((value) => value.trim() !== '', 'must not be blank'),
  /** A decimal string such as "1.5"; numbers are rejected with `invalid_quantity`. */
  quantity: z.union([z.string(), z.number()]),
  unitPriceMinor: z.number(),
});

const draftFields = {
  client: clientSchema,
  issuer: issuerSchema.optional(),
  items: z.array(itemSchema),
  currency: z.string(),
  taxRateBps: z.number(),
  issueDate: z.string(),
  dueDate: z.string(),
  notes: text(5000).optional(),
  locale: z.string().max(35).optional(),
};

export const createInvoiceBody = z.strictObject({ ...draftFields, taxRateBps: z.number().default(0) });
export type CreateInvoiceBody = z.infer<typeof createInvoiceBody>;

/** Every field optional; `items` replaces the whole list. `null` clears an optional field. */
export const updateInvoiceBody = z.strictObject({
  client: clientSchema.optional(),
  issuer: issuerSchema.nullable().optional(),
  items: z.array(itemSchema).optional(),
  currency: z.string().optional(),
  taxRateBps: z.number().optional(),
  issueDate: z.string().optional(),
  dueDate: z.string().optional(),
  notes: text(5000).nullable().optional(),
  locale: z.string().max(35).optional(),
});
export type UpdateInvoiceBody = z.infer<typeof updateInvoiceBody>;

export const paymentBody = z.strictObject({
  amountMinor: z.number(),
  paidOn: z.string(),
  reference: text(200).optional(),
});
export type PaymentBody = z.infer<typeof paymentBody>;

export const invoiceParams = z.strictObject({ id: z.uuid() });

export const INVOICE_STATUSES = ['draft', 'sent', 'paid', 'void'] as const;

export const listInvoicesQuery = z.strictObject({
  status: z.enum(INVOICE_STATUSES).optional(),
  /** Case-insensitive substring of the client's name. */
  client: z.string().min(1).max(200).optional(),
  issuedFrom: z.iso.date().optional(),
  issuedTo: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(100).optional(),
});
export type ListInvoicesQuery = z.infer<typeof listInvoicesQuery>;

const party = z.object({
  name: z.string(),
  email: z.string().nullable(),
  address: z.string().nullable(),
});

export const invoiceResponse = z.object({
  id: z.string(),
  number: z.string(),
  status: z.enum(INVOICE_STATUSES),
  currency: z.string(),
  locale: z.string(),
  taxRateBps: z.number(),
  issueDate: z.string(),
  dueDate: z.string(),
  client: party,
  issuer: party.extend({ taxId: z.string().nullable() }),
  notes: z.string().nullable(),
  items: z.array(
    z.object({
      description: z.string(),
      quantity: z.string(),
      unitPriceMinor: z.number(),
      amountMinor: z.number(),
    }),
  ),
  subtotalMinor: z.number(),
  taxMinor: z.number(),
  totalMinor: z.number(),
  paidMinor: z.number(),
  amountDueMinor: z.number(),
  revision: z.number(),
  pdf: z
    .object({ sha256: z.string(), size: z.number(), upToDate: z.boolean(), renderedAt: z.string() })
    .nullable(),
  sentAt: z.string().nullable(),
  paidAt: z.string().nullable(),
  voidedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type InvoiceResponse = z.infer<typeof invoiceResponse>;
