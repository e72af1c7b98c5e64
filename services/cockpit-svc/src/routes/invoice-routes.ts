import type { Database } from '@skillancer/database';
import { principalOf, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';

type InvoiceRow = {
  id: string;
  number: string;
  status: string;
  currency: string;
  total_minor: string;
  created_at: Date;
};

export function registerInvoiceRoutes(app: ServiceApp, deps: { db: Database }): void {
  app.get(
    '/finance/invoices',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['invoices'],
        summary: "List the caller's tenant's invoices, newest first",
        security: [{ bearerAuth: [] }],
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50) }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { rows } = await deps.db.query<InvoiceRow>(
        `SELECT id, number, status, currency, total_minor, created_at FROM invoices
          WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT $2`,
        [principal.tenantId, request.query.limit],
      );
      return {
        items: rows.map((row) => ({
          id: row.id,
          number: row.number,
          status: row.status,
          currency: row.currency,
          totalMinor: Number(row.total_minor),
          createdAt: row.created_at,
        })),
      };
    },
  );
}
