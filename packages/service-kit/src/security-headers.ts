import type { FastifyInstance } from 'fastify';

/**
 * Response headers of an API that serves only JSON: no content may load, nothing may frame it, and
 * browsers must keep to HTTPS and the declared content type. These are helmet 8.3's default headers
 * with a stricter Content-Security-Policy; Swagger UI's routes replace the policy with their own.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
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
