import type { Database } from '@skillancer/database';
import { requirePermission, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import type { InvoiceDocuments } from '../invoices/invoice-documents.js';
import { listInvoices } from '../invoices/invoice-list.js';
import type { InvoiceService } from '../invoices/invoice-service.js';
import { listPayments } from '../invoices/invoice-updates.js';
import {
  createInvoiceBody,
  invoiceParams,
  invoiceResponse,
  listInvoicesQuery,
  paymentBody,
  updateInvoiceBody,
} from './invoice-schemas.js';
import { toInvoiceResponse, toInvoiceSummary, toPaymentResponse } from './invoice-view.js';

/**
 * Request bodies may hold 500 line items with descriptions of up to 10,000 characters; 8 MiB
 * leaves room for that in any script. Larger bodies get 413 `payload_too_large`.
 */
const DRAFT_BODY_LIMIT = 8 * 1024 * 1024;

export interface InvoiceRouteDependencies {
  db: Database;
  invoices: InvoiceService;
  documents: InvoiceDocuments;
}

const secured = { tags: ['invoices'], security: [{ bearerAuth: [] }] };

const paymentResponse = z.object({
  id: z.string(),
  amountMinor: z.number(),
  paidOn: z.string(),
  reference: z.string().nullable(),
  createdAt: z.string(),
});

/** Registers the invoice routes under `/finance/invoices`; every route needs an access token. */
export function registerInvoiceRoutes(app: ServiceApp, deps: InvoiceRouteDependencies): void {
  const { invoices } = deps;

  app.post(
    '/finance/invoices',
    {
      preHandler: app.authenticate,
      bodyLimit: DRAFT_BODY_LIMIT,
      schema: {
        ...secured,
        summary: 'Create a draft invoice with the next number of the year',
        body: createInvoiceBody,
        response: { 201: invoiceResponse },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'invoices:manage');
      const invoice = await invoices.create(principal.tenantId, request.body);
      request.log.info({ invoiceId: invoice.id, number: invoice.number }, 'invoice draft created');
      return reply
        .status(201)
        .header('location', `/finance/invoices/${invoice.id}`)
        .send(toInvoiceResponse(invoice));
    },
  );

  app.get(
    '/finance/invoices',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'List invoices, newest number first, filtered by status, client name and issue date',
        querystring: listInvoicesQuery,
        response: {
          200: z.object({
            items: z.array(invoiceResponse.omit({ items: true })),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'invoices:manage');
      const page = await listInvoices(deps.db, principal.tenantId, request.query);
      return { items: page.items.map(toInvoiceSummary), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/finance/invoices/:id',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'Get an invoice with its line items',
        params: invoiceParams,
        response: { 200: invoiceResponse },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'invoices:manage');
      return toInvoiceResponse(await invoices.get(principal.tenantId, request.params.id));
    },
  );

  app.patch(
    '/finance/invoices/:id',
    {
      preHandler: app.authenticate,
      bodyLimit: DRAFT_BODY_LIMIT,
      schema: {
        ...secured,
        summary: 'Change a draft; items, when given, replace the whole list',
        params: invoiceParams,
        body: updateInvoiceBody,
        response: { 200: invoiceResponse },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'invoices:manage');
      return toInvoiceResponse(await invoices.update(principal.tenantId, request.params.id, request.body));
    },
  );

  app.delete(
    '/finance/invoices/:id',
    {
      preHandler: app.authenticate,
      schema: { ...secured, summary: 'Delete a draft; its number is not reused', params: invoiceParams },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'invoices:manage');
      const pdfKey = await invoices.delete(principal.tenantId, request.params.id);
      if (pdfKey !== null) await deps.documents.deleteQuietly(pdfKey, request.params.id, request.log);
      request.log.info({ invoiceId: request.params.id }, 'invoice draft deleted');
      return reply.status(204).send();
    },
  );

  app.post(
    '/finance/invoices/:id/send',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'Lock a draft and mark it sent',
        params: invoiceParams,
        response: { 200: invoiceResponse },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'invoices:manage');
      const invoice = await invoices.send(principal.tenantId, request.params.id);
      request.log.info({ invoiceId: invoice.id, status: invoice.status }, 'invoice sent');
      return toInvoiceResponse(invoice);
    },
  );

  app.post(
    '/finance/invoices/:id/void',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'Void a sent invoice without payments',
        params: invoiceParams,
        response: { 200: invoiceResponse },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'invoices:manage');
      const invoice = await invoices.void(principal.tenantId, request.params.id);
      request.log.info({ invoiceId: invoice.id }, 'invoice voided');
      return toInvoiceResponse(invoice);
    },
  );

  app.post(
    '/finance/invoices/:id/payments',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'Record a full or partial payment; the invoice becomes paid when nothing is due',
        params: invoiceParams,
        body: paymentBody,
        response: { 201: z.object({ invoice: invoiceResponse, payment: paymentResponse }) },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'invoices:manage');
      const result = await invoices.addPayment(principal.tenantId, request.params.id, request.body);
      request.log.info(
        { invoiceId: result.invoice.id, paymentId: result.payment.id, status: result.invoice.status },
        'invoice payment recorded',
      );
      return reply
        .status(201)
        .send({ invoice: toInvoiceResponse(result.invoice), payment: toPaymentResponse(result.payment) });
    },
  );

  app.get(
    '/finance/invoices/:id/payments',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'List the payments of an invoice, oldest first',
        params: invoiceParams,
        response: { 200: z.object({ items: z.array(paymentResponse) }) },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'invoices:manage');
      const invoice = await invoices.get(principal.tenantId, request.params.id);
      return { items: (await listPayments(deps.db, invoice.id)).map(toPaymentResponse) };
    },
  );
}
