import type { AuditTrail, StoredAuditEvent } from '@skillancer/phi-store';
import { requirePermission, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import { withApiErrors } from '../phi/phi-errors.js';

const query = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce
    .number()
    .int()
    .min(2)
    .optional()
    .describe('Return events with a lower sequence (from nextBefore)'),
});

function toView(event: StoredAuditEvent) {
  return {
    sequence: event.sequence,
    occurredAt: event.occurredAt,
    actor: event.actor,
    action: event.action,
    resource: event.resource,
    purpose: event.purpose,
    outcome: event.outcome,
    keyVersion: event.keyVersion,
    details: event.details,
    hash: event.hash,
  };
}

/**
 * Registers `GET /hipaa/phi/access-log`: the caller's tenant's audit events, newest first, for
 * tenant admins (audit:read). `verified` reports whether the whole chain, from its first event to the
 * recorded head, still verifies; walking it costs one read of every event of the tenant.
 */
export function registerAccessLogRoutes(app: ServiceApp, audit: AuditTrail): void {
  app.get(
    '/hipaa/phi/access-log',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['phi'],
        security: [{ bearerAuth: [] }],
        summary: "List the tenant's PHI audit events and verify their hash chain",
        querystring: query,
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'audit:read');
      return withApiErrors(async () => {
        const events = await audit.listEvents(principal.tenantId, {
          limit: request.query.limit,
          ...(request.query.before === undefined ? {} : { beforeSequence: request.query.before }),
        });
        // NOTE: the walk reads every event of the tenant on each request; a tenant with millions of
        // events needs verified checkpoints instead.
        const verification = await audit.verifyChain(principal.tenantId);
        const last = events.at(-1);
        return {
          events: events.map(toView),
          nextBefore: last !== undefined && last.sequence > 1 ? last.sequence : null,
          verified: verification.ok,
          verification: verification.ok
            ? { eventsVerified: verification.verified, head: verification.head }
            : {
                eventsVerified: verification.verified,
                brokenAt: verification.broken.sequence,
                reason: verification.broken.reason,
                message: verification.broken.message,
              },
        };
      });
    },
  );
}
