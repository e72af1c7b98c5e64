import type { Database } from '@skillancer/database';
import { principalOf, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';

type PodRow = { id: string; name: string; state: string; size_gb: number; created_at: Date };

export function registerPodRoutes(app: ServiceApp, deps: { db: Database }): void {
  app.get(
    '/pods',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['pods'],
        summary: "List the caller's tenant's SkillPods, newest first",
        security: [{ bearerAuth: [] }],
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50) }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { rows } = await deps.db.query<PodRow>(
        'SELECT id, name, state, size_gb, created_at FROM pods WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT $2',
        [principal.tenantId, request.query.limit],
      );
      return {
        items: rows.map((row) => ({
          id: row.id,
          name: row.name,
          state: row.state,
          sizeGb: row.size_gb,
          createdAt: row.created_at,
        })),
      };
    },
  );
}
