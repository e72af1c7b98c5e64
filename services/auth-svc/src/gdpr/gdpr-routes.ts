import { principalOf, requirePermission, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import { withApiErrors } from '../phi/phi-errors.js';
import type { ErasureService } from './erasure-service.js';
import type { ExportService } from './export-service.js';

// Fastify passes null for a request without a body, so the body is nullish rather than optional.
const reasonBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).nullish();
const tenantParams = z.object({ tenantId: z.string().max(100) });
const tags = ['gdpr'];
const security = [{ bearerAuth: [] }];

/**
 * Registers the GDPR routes: account and tenant erasure with a cancellable waiting period, and
 * the data export. Erasure requests return 202 with the time the keys will be destroyed.
 */
export function registerGdprRoutes(
  app: ServiceApp,
  deps: { erasure: ErasureService; exports: ExportService },
): void {
  app.delete(
    '/gdpr/account',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Schedule the erasure of the caller’s account and personal tenant',
        body: reasonBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const erasure = await withApiErrors(() =>
        deps.erasure.requestAccountErasure(principal, request.body?.reason),
      );
      request.log.info(
        { userId: principal.userId, tenantId: erasure.tenantId, dueAt: erasure.dueAt },
        'account erasure scheduled',
      );
      void reply.status(202);
      return { erasure };
    },
  );

  app.get(
    '/gdpr/account/erasure',
    {
      preHandler: app.authenticate,
      schema: { tags, security, summary: 'The pending erasure of the caller’s account' },
    },
    async (request) => {
      const principal = principalOf(request);
      return { erasure: await withApiErrors(() => deps.erasure.accountErasureStatus(principal)) };
    },
  );

  app.post(
    '/gdpr/account/erasure/cancel',
    {
      preHandler: app.authenticate,
      schema: { tags, security, summary: 'Cancel the pending erasure of the caller’s account' },
    },
    async (request) => {
      const principal = principalOf(request);
      const erasure = await withApiErrors(() => deps.erasure.cancelAccountErasure(principal));
      request.log.info({ userId: principal.userId, tenantId: erasure.tenantId }, 'account erasure cancelled');
      return { erasure };
    },
  );

  app.delete(
    '/gdpr/tenants/:tenantId',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Schedule the erasure of the caller’s whole tenant (tenant:admin)',
        params: tenantParams,
        body: reasonBody,
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'tenant:admin');
      const erasure = await withApiErrors(() =>
        deps.erasure.requestTenantErasure(principal, request.params.tenantId, request.body?.reason),
      );
      request.log.info(
        { userId: principal.userId, tenantId: erasure.tenantId, dueAt: erasure.dueAt },
        'tenant erasure scheduled',
      );
      void reply.status(202);
      return { erasure };
    },
  );

  app.post(
    '/gdpr/tenants/:tenantId/erasure/cancel',
    {
      preHandler: app.authenticate,
      schema: { tags, security, summary: 'Cancel the pending erasure of the tenant', params: tenantParams },
    },
    async (request) => {
      const principal = requirePermission(request, 'tenant:admin');
      const erasure = await withApiErrors(() =>
        deps.erasure.cancelTenantErasure(principal, request.params.tenantId),
      );
      request.log.info({ userId: principal.userId, tenantId: erasure.tenantId }, 'tenant erasure cancelled');
      return { erasure };
    },
  );

  app.get(
    '/gdpr/export',
    {
      preHandler: app.authenticate,
      schema: { tags, security, summary: 'Download the caller’s own data, decrypted, as JSON' },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const data = await withApiErrors(() => deps.exports.export(principal));
      request.log.info({ userId: principal.userId }, 'data export downloaded');
      void reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="skillancer-export-${principal.userId}.json"`);
      return data;
    },
  );
}
