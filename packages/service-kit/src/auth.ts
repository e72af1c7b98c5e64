import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { AppError, forbidden, serviceUnavailable, unauthorized } from './errors.js';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  type Permission,
  type Principal,
  permissionsOf,
  type Role,
} from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type AccessTokenVerifier = (token: string) => Promise<Principal>;

const ROLES: readonly string[] = ['owner', 'admin', 'member'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function toPrincipal(payload: JWTPayload): Principal {
  const { sub, tid, role, sid } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || !UUID.test(sub) || typeof tid !== 'string' || !UUID.test(tid)) {
    throw unauthorized('invalid_token', 'The access token lacks a valid subject or tenant; log in again');
  }
  if (typeof role !== 'string' || !ROLES.includes(role) || typeof sid !== 'string') {
    throw unauthorized('invalid_token', 'The access token lacks a valid role or session; log in again');
  }
  return {
    userId: sub,
    tenantId: tid,
    role: role as Role,
    sessionId: sid,
    permissions: permissionsOf(role as Role),
  };
}

/** Maps jose's failures to API errors: an outage of the key source is a 503, anything else a 401. */
function translateVerifyError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return unauthorized(
      'token_expired',
      'The access token has expired; get a new one from POST /auth/refresh',
    );
  }
  if (
    error instanceof joseErrors.JWKSTimeout ||
    (error instanceof TypeError && /fetch/i.test(error.message))
  ) {
    return serviceUnavailable(
      'auth_unavailable',
      'The signing keys of auth-svc could not be fetched; retry shortly',
      error,
    );
  }
  if (error instanceof joseErrors.JOSEError) {
    return unauthorized('invalid_token', 'The access token is invalid; log in again');
  }
  return serviceUnavailable(
    'auth_unavailable',
    'The access token could not be verified; retry shortly',
    error,
  );
}

/**
 * Verifies access tokens against a key source: auth-svc passes its own key lookup, the other
 * services the JWKS of auth-svc. Only EdDSA is accepted, so `alg: none` and HMAC tokens fail.
 */
export function createAccessTokenVerifier(options: {
  keys: JWTVerifyGetKey;
  issuer: string;
  /** Verified tokens kept in memory; 0 disables the cache. */
  cacheSize?: number;
}): AccessTokenVerifier {
  const cache = new VerifiedTokenCache(options.cacheSize ?? 10_000);
  return async (token) => {
    const cached = cache.get(token);
    if (cached) return cached;
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const principal = toPrincipal(payload);
      cache.set(token, principal, (payload.exp as number) * 1000);
      return principal;
    } catch (error) {
      throw translateVerifyError(error);
    }
  };
}

/**
 * Principals of tokens that passed verification, until the token expires (at most a minute), so a
 * client's repeated requests skip the signature check. Access tokens are stateless, so this changes
 * nothing about when a token stops being accepted. Least recently used entries go first.
 */
class VerifiedTokenCache {
  private static readonly MAX_AGE_MS = 60_000;
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(private readonly capacity: number) {}

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (entry.expiresAt <= Date.now()) return undefined;
    this.entries.set(token, entry);
    return entry.principal;
  }

  set(token: string, principal: Principal, tokenExpiresAt: number): void {
    if (this.capacity <= 0) return;
    const expiresAt = Math.min(tokenExpiresAt, Date.now() + VerifiedTokenCache.MAX_AGE_MS);
    this.entries.set(token, { principal, expiresAt });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

/** Creates a JWKS key source that caches keys and refetches them when a token names an unknown key id. */
export function remoteJwks(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5000,
  });
}

/** Reads the bearer token of a request, or throws 401 `missing_token`. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header) : null;
  if (!match?.[1]) {
    throw unauthorized('missing_token', 'Send an access token in the Authorization header: "Bearer <token>"');
  }
  return match[1];
}

/** Adds `request.principal` and the `authenticate` hook that fills it. */
export function installAuthentication(app: FastifyInstance, verify: AccessTokenVerifier): void {
  const authenticate = async (request: FastifyRequest) => {
    request.principal = await verify(bearerToken(request));
  };
  app.decorateRequest('principal', null);
  app.decorate('authenticate', authenticate);

  // Routes behind `authenticate` declare the bearer scheme in the OpenAPI document, so Swagger UI
  // sends the token. A route need not repeat it in its schema.
  app.addHook('onRoute', (route) => {
    const handlers = Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    if (!handlers.includes(authenticate)) return;
    const schema = (route.schema ?? {}) as { security?: unknown; hide?: boolean };
    if (schema.security === undefined) route.schema = { ...schema, security: [{ bearerAuth: [] }] };
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
}

/** Returns the principal of an authenticated request; use in handlers behind `authenticate`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('missing_token', 'This route needs an access token');
  return request.principal;
}

/** Throws 403 when the caller's role lacks the permission. */
export function requirePermission(request: FastifyRequest, permission: Permission): Principal {
  const principal = principalOf(request);
  if (!principal.permissions.includes(permission)) {
    throw forbidden(
      'permission_denied',
      `This action needs the ${permission} permission, which your role (${principal.role}) lacks`,
    );
  }
  return principal;
}
