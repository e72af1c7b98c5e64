import { requirePermission, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import type { InvoiceDocuments } from '../invoices/invoice-documents.js';
import { invoiceParams } from './invoice-schemas.js';

const secured = { tags: ['invoices'], security: [{ bearerAuth: [] }] };

const pdfFields = {
  sha256: z.string(),
  size: z.number(),
  revision: z.number(),
  renderedAt: z.string(),
};

/** Registers `POST` (render and store) and `GET` (download URL) on `/finance/invoices/:id/pdf`. */
export function registerInvoicePdfRoutes(app: ServiceApp, deps: { documents: InvoiceDocuments }): void {
  app.post(
    '/finance/invoices/:id/pdf',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'Render the invoice to PDF and store it; an unchanged invoice keeps its stored PDF',
        params: invoiceParams,
        response: { 200: z.object({ ...pdfFields, reused: z.boolean() }) },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'invoices:manage');
      const result = await deps.documents.render(principal.tenantId, request.params.id, request.log);
      if (!result.reused) request.log.info({ invoiceId: result.invoice.id }, 'invoice PDF stored');
      return {
        sha256: result.pdf.sha256,
        size: result.pdf.size,
        revision: result.pdf.revision,
        renderedAt: result.pdf.renderedAt.toISOString(),
        reused: result.reused,
      };
    },
  );

  app.get(
    '/finance/invoices/:id/pdf',
    {
      preHandler: app.authenticate,
      schema: {
        ...secured,
        summary: 'Get a short-lived download URL for the stored PDF',
        params: invoiceParams,
        response: {
          200: z.object({ url: z.string(), expiresAt: z.string(), upToDate: z.boolean(), ...pdfFields }),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'invoices:manage');
      const link = await deps.documents.downloadLink(principal.tenantId, request.params.id);
      void reply.header('cache-control', 'no-store');
      return {
        url: link.url,
        expiresAt: link.expiresAt.toISOString(),
        upToDate: link.upToDate,
        sha256: link.pdf.sha256,
        size: link.pdf.size,
        revision: link.pdf.revision,
        renderedAt: link.pdf.renderedAt.toISOString(),
      };
    },
  );
}
