import { principalOf, type ServiceApp, unauthorized } from '@skillancer/service-kit';
import { z } from 'zod';
import type { AccountRepository } from '../accounts/account-repository.js';
import type { AccountService } from '../accounts/account-service.js';
import type { MeCache } from '../accounts/me-cache.js';

const email = z
  .email({ error: 'must be a valid email address' })
  .max(254, { error: 'must have at most 254 characters' });
const refreshToken = z.string().min(1).max(256);

const tokenPair = {
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().describe('Seconds until the access token expires'),
};

export function registerAuthRoutes(
  app: ServiceApp,
  deps: { accounts: AccountService; repository: AccountRepository; meCache: MeCache },
): void {
  app.post(
    '/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and its tenant',
        body: z.strictObject({
          email,
          password: z.string().min(1).max(1024),
          displayName: z.string().trim().min(1, { error: 'must not be empty' }).max(100),
          accountType: z
            .enum(['freelancer', 'client'])
            .optional()
            .describe('A client account gets an organization tenant'),
          organizationName: z.string().trim().min(1).max(200).optional(),
        }),
      },
    },
    async (request, reply) => {
      const result = await deps.accounts.register(request.body);
      request.log.info(
        { userId: result.user.id, tenantId: result.membership.tenantId },
        'account registered',
      );
      void reply.status(201);
      return {
        user: { id: result.user.id, email: result.user.email, displayName: result.user.displayName },
        tenant: {
          id: result.membership.tenantId,
          name: result.membership.tenantName,
          kind: result.membership.tenantKind,
          role: result.membership.role,
        },
        ...result.tokens,
      };
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for tokens',
        body: z.strictObject({ email, password: z.string().min(1).max(1024) }),
      },
    },
    async (request) => {
      const result = await deps.accounts.login({ ...request.body, ip: request.ip });
      request.log.info({ userId: result.user.id }, 'login succeeded');
      return result.tokens;
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Spend a refresh token for a new token pair',
        body: z.strictObject({ refreshToken }),
        response: { 200: z.object(tokenPair) },
      },
    },
    async (request) => deps.accounts.refresh(request.body.refreshToken),
  );

  app.post(
    '/auth/logout',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'End the session of the access token',
        security: [{ bearerAuth: [] }],
        body: z.strictObject({ refreshToken: refreshToken.optional() }).optional(),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await deps.accounts.logout({
        userId: principal.userId,
        sessionId: principal.sessionId,
        refreshToken: request.body?.refreshToken,
      });
      void reply.status(204);
    },
  );

  app.get(
    '/auth/me',
    {
      preHandler: app.authenticate,
      schema: { tags: ['auth'], summary: 'The caller and its tenant', security: [{ bearerAuth: [] }] },
    },
    async (request) => {
      const principal = principalOf(request);
      const found = await deps.meCache.get(principal.userId, principal.tenantId, () =>
        deps.repository.findUserInTenant(principal.userId, principal.tenantId),
      );
      if (!found) {
        throw unauthorized(
          'account_not_found',
          'The account of this token no longer exists or left the tenant; log in again',
        );
      }
      const { user, membership } = found;
      return {
        user: { id: user.id, email: user.email, displayName: user.displayName, createdAt: user.createdAt },
        tenant: {
          id: membership.tenantId,
          name: membership.tenantName,
          kind: membership.tenantKind,
          role: membership.role,
        },
        permissions: principal.permissions,
      };
    },
  );
}
