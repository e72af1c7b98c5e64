import type { FastifyInstance } from 'fastify';

/**
 * Response headers of an API that serves only JSON: no content may load, nothing may frame it,
 * browsers must keep to HTTPS and the declared content type, and no URL leaks through the referrer.
 * Helmet's browser-page headers (X-XSS-Protection, X-Download-Options, X-DNS-Prefetch-Control,
 * Origin-Agent-Cluster, X-Permitted-Cross-Domain-Policies) are left out because they do nothing
 * for JSON responses, and each header costs a validation and bytes on every response. Swagger UI's
 * routes replace the policy with their own.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/**
 * Sets the security headers and the request id on every response in one hook. This replaces
 * @fastify/helmet, whose per-header middleware cost a third of the throughput of a small route.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
  });
}
