import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceApp, notFound } from '../src/index.js';

async function buildApp(checks: Record<string, () => Promise<void>> = {}) {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const app = await createServiceApp({
    service: 'test-svc',
    version: '1.0.0',
    description: 'test',
    logLevel: 'info',
    logStream: stream,
    checks,
  });
  app.post(
    '/echo',
    { schema: { body: z.strictObject({ name: z.string().min(2), count: z.number().int() }) } },
    async (request) => {
      request.log.info(
        { body: { password: 'hunter22', ssn: '123-45-6789', name: request.body.name } },
        'echo',
      );
      return { name: request.body.name, count: request.body.count };
    },
  );
  app.get('/missing', async () => {
    throw notFound('The widget');
  });
  app.get('/boom', async () => {
    throw new Error('database password=hunter22 leaked');
  });
  await app.ready();
  return { app, lines };
}

describe('createServiceApp', () => {
  it('returns validation errors naming the field', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x', count: 1 } });

    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/^body\.name: /);
    expect(body.error.requestId).toBe(response.headers['x-request-id']);
  });

  it('rejects unknown fields', async () => {
    const { app } = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: { name: 'xy', count: 1, admin: true },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
  });

  it('rejects malformed JSON with invalid_json', async () => {
    const { app } = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('rejects oversize bodies with payload_too_large', async () => {
    const { app } = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), count: 1 }),
    });

    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('maps an AppError to its status and code', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/missing' });

    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'not_found', message: 'The widget was not found' });
  });

  it('hides unexpected errors behind internal_error', async () => {
    const { app, lines } = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/boom' });

    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('internal_error');
    expect(response.body).not.toContain('hunter22');
    expect(lines.some((line) => line.includes('"level":50'))).toBe(true);
  });

  it('answers unknown routes with route_not_found', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/nope?token=abc' });

    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('route_not_found');
    expect(response.body).not.toContain('token=abc');
  });

  it('redacts credentials, tokens and PHI in log lines', async () => {
    const { app, lines } = await buildApp();
    await app.inject({
      method: 'POST',
      url: '/echo?token=query-secret',
      headers: { authorization: 'Bearer header-secret', cookie: 'session=cookie-secret' },
      payload: { name: 'Ann', count: 2 },
    });
    const log = lines.join('\n');

    expect(log).toContain('"msg":"echo"');
    expect(log).not.toContain('hunter22');
    expect(log).not.toContain('123-45-6789');
    expect(log).not.toContain('header-secret');
    expect(log).not.toContain('cookie-secret');
    expect(log).not.toContain('query-secret');
    expect(log).toContain('[redacted]');
  });

  it('keeps an incoming request id and logs it', async () => {
    const { app, lines } = await buildApp();
    const response = await app.inject({
      method: 'GET',
      url: '/missing',
      headers: { 'x-request-id': 'req-12345678' },
    });

    expect(response.headers['x-request-id']).toBe('req-12345678');
    expect(lines.some((line) => line.includes('"requestId":"req-12345678"'))).toBe(true);
  });

  it('reports readiness per dependency', async () => {
    const { app } = await buildApp({
      database: async () => undefined,
      'object-store': async () => {
        throw new Error('bucket skillancer-uploads not found');
      },
    });
    const response = await app.inject({ method: 'GET', url: '/health/ready' });

    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toEqual({
      database: 'ok',
      'object-store': 'failed: bucket skillancer-uploads not found',
    });
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('serves Prometheus metrics by route template', async () => {
    const { app } = await buildApp();
    await app.inject({ method: 'GET', url: '/missing' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('http_request_duration_seconds_bucket');
    expect(response.body).toContain('route="/missing"');
    expect(response.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const { app } = await buildApp();
    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    const ui = await app.inject({ method: 'GET', url: '/docs' });

    expect(json.statusCode).toBe(200);
    expect(Object.keys(json.json().paths)).toContain('/echo');
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('sets security headers', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/health/live' });

    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['strict-transport-security']).toBeDefined();
  });
});

describe('OpenAPI security', () => {
  it('declares bearer auth on authenticated routes', async () => {
    const app = await createServiceApp({
      service: 'test-svc',
      version: '1.0.0',
      description: 'test',
      logLevel: 'silent',
      checks: {},
      verifyAccessToken: async () => {
        throw new Error('not called');
      },
    });
    app.get('/private', { preHandler: app.authenticate, schema: { summary: 'private' } }, async () => ({}));
    app.get('/public', { schema: { summary: 'public' } }, async () => ({}));
    await app.ready();
    const paths = (await app.inject({ method: 'GET', url: '/docs/json' })).json().paths;

    expect(paths['/private'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(paths['/public'].get.security).toBeUndefined();
  });
});

describe('trustProxy', () => {
  async function clientIp(trustProxy: boolean | number | string | undefined): Promise<string> {
    const app = await createServiceApp({
      service: 's',
      version: '1',
      description: 'd',
      logLevel: 'silent',
      checks: {},
      trustProxy,
    });
    app.get('/ip', async (request) => ({ ip: request.ip }));
    const response = await app.inject({
      method: 'GET',
      url: '/ip',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    return response.json().ip;
  }

  it('ignores X-Forwarded-For by default', async () => {
    expect(await clientIp(undefined)).toBe('127.0.0.1');
  });

  it('takes the client address from a trusted proxy range', async () => {
    expect(await clientIp('127.0.0.0/8')).toBe('203.0.113.7');
  });

  it('takes the client address across a hop count', async () => {
    expect(await clientIp(1)).toBe('203.0.113.7');
  });
});

describe('security headers', () => {
  it('sends every header of the JSON API set', async () => {
    const app = await createServiceApp({
      service: 's',
      version: '1',
      description: 'd',
      logLevel: 'silent',
      checks: {},
    });
    const response = await app.inject({ method: 'GET', url: '/health/live' });

    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cross-origin-resource-policy']).toBe('same-site');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
  });
});
