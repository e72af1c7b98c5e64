import { randomBytes } from 'node:crypto';
import { check, expectStatus, request } from '../http.js';
import type { StepReporter } from '../reporter.js';
import type { Session, Targets } from './targets.js';

async function register(targets: Targets, kind: 'freelancer' | 'client', label: string): Promise<Session> {
  const email = `smoke-${label}-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `smoke ${randomBytes(12).toString('base64url')}`;
  const response = expectStatus(
    await request('POST', `${targets.auth}/auth/register`, {
      json: {
        email,
        password,
        displayName: kind === 'client' ? 'Smoke Clinic Admin' : 'Smoke Freelancer',
        accountType: kind,
        ...(kind === 'client' ? { organizationName: 'Smoke Clinic' } : {}),
      },
    }),
    201,
    `register a ${kind}`,
  );
  const body = response.json<{
    user: { id: string };
    tenant: { id: string };
    accessToken: string;
    refreshToken: string;
  }>();
  return {
    email,
    password,
    userId: body.user.id,
    tenantId: body.tenant.id,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
  };
}

/** Registers a freelancer and a healthcare client, then logs in, refreshes and logs out. */
export async function accountFlow(
  targets: Targets,
  steps: StepReporter,
): Promise<{ freelancer: Session; client: Session }> {
  const freelancer = await steps.step('register a freelancer', () =>
    register(targets, 'freelancer', 'freelancer'),
  );
  const client = await steps.step('register a healthcare client tenant', () =>
    register(targets, 'client', 'client'),
  );

  await steps.step('log in', async () => {
    const response = expectStatus(
      await request('POST', `${targets.auth}/auth/login`, {
        json: { email: client.email, password: client.password },
      }),
      200,
      'log in',
    );
    const tokens = response.json<{ accessToken: string; refreshToken: string }>();
    client.accessToken = tokens.accessToken;
    client.refreshToken = tokens.refreshToken;
  });

  await steps.step('read /auth/me', async () => {
    const me = expectStatus(
      await request('GET', `${targets.auth}/auth/me`, { token: client.accessToken }),
      200,
      'GET /auth/me',
    );
    check(
      me.json<{ tenant: { id: string } }>().tenant.id === client.tenantId,
      '/auth/me returned another tenant',
    );
  });

  await steps.step('refresh the tokens', async () => {
    const response = expectStatus(
      await request('POST', `${targets.auth}/auth/refresh`, { json: { refreshToken: client.refreshToken } }),
      200,
      'refresh',
    );
    const tokens = response.json<{ accessToken: string; refreshToken: string }>();
    check(tokens.refreshToken !== client.refreshToken, 'refresh returned the same refresh token');
    client.accessToken = tokens.accessToken;
    client.refreshToken = tokens.refreshToken;
  });

  await steps.step('log out and see the refresh token refused', async () => {
    const login = expectStatus(
      await request('POST', `${targets.auth}/auth/login`, {
        json: { email: freelancer.email, password: freelancer.password },
      }),
      200,
      'second login',
    );
    const session = login.json<{ accessToken: string; refreshToken: string }>();
    expectStatus(
      await request('POST', `${targets.auth}/auth/logout`, {
        token: session.accessToken,
        json: { refreshToken: session.refreshToken },
      }),
      204,
      'log out',
    );
    expectStatus(
      await request('POST', `${targets.auth}/auth/refresh`, { json: { refreshToken: session.refreshToken } }),
      401,
      'refresh with a revoked token',
    );
  });

  return { freelancer, client };
}
