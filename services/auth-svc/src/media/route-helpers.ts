import { principalOf } from '@skillancer/service-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { MediaOwner } from './media-objects.js';

/** Path parameters of the `/portfolio/:itemId` routes. */
export const itemParams = z.strictObject({ itemId: z.uuid({ error: 'must be a UUID' }) });

/** Returns the tenant and user of an authenticated request, which own the objects it creates. */
export function ownerOf(request: FastifyRequest): MediaOwner {
  const principal = principalOf(request);
  return { tenantId: principal.tenantId, userId: principal.userId };
}
