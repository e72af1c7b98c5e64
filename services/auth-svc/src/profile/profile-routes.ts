import { principalOf, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import type { MeCache } from '../accounts/me-cache.js';
import { withApiErrors } from '../phi/phi-errors.js';
import type { ProfileService } from './profile-service.js';

const sensitive = z.string().max(1000).nullable().optional();

const updateBody = z
  .strictObject({
    displayName: z.string().trim().min(1, { error: 'must not be empty' }).max(100).optional(),
    headline: z.string().trim().max(200).nullable().optional(),
    bio: z.string().max(5000).nullable().optional(),
    phone: sensitive.describe('E.164 with + and country code; stored encrypted'),
    dateOfBirth: sensitive.describe('YYYY-MM-DD; stored encrypted'),
    address: sensitive.describe('Postal address; stored encrypted'),
    taxId: sensitive.describe('National tax id; stored encrypted'),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'must change at least one field' });

/**
 * Registers `GET /profile` and `PATCH /profile` for the caller's profile in the token's tenant.
 * Sensitive fields come back masked; `GET /gdpr/export` returns them in full.
 */
export function registerProfileRoutes(
  app: ServiceApp,
  deps: { profiles: ProfileService; meCache?: MeCache },
): void {
  app.get(
    '/profile',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['profile'],
        security: [{ bearerAuth: [] }],
        summary: 'The caller’s profile, sensitive fields masked',
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withApiErrors(() => deps.profiles.get(principal));
    },
  );

  app.patch(
    '/profile',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['profile'],
        security: [{ bearerAuth: [] }],
        summary: 'Change profile fields; null removes a field',
        body: updateBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const profile = await withApiErrors(() => deps.profiles.update(principal, request.body));
      if (request.body.displayName !== undefined) {
        deps.meCache?.forget(principal.userId);
      }
      request.log.info({ userId: principal.userId, tenantId: principal.tenantId }, 'profile updated');
      return profile;
    },
  );
}
