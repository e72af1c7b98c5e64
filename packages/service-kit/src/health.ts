import type { FastifyInstance } from 'fastify';

/** A readiness check: resolves when the dependency is usable, rejects with the reason otherwise. */
export type HealthCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: HealthCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

async function runChecks(
  checks: Record<string, HealthCheck>,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name] as HealthCheck)));
  const report: Record<string, string> = {};
  names.forEach((name, index) => {
    report[name] = results[index] as string;
  });
  return { ready: results.every((result) => result === 'ok'), checks: report };
}

/**
 * Registers `/health/live` (the process runs), `/health/ready` (every dependency responds; 503 names
 * the failing ones) and `/health` (both, with the version and uptime).
 */
export function installHealthRoutes(
  app: FastifyInstance,
  options: { service: string; version: string; checks: Record<string, HealthCheck> },
): void {
  const hidden = { schema: { hide: true } };

  app.get('/health/live', hidden, async () => ({ status: 'ok' }));

  app.get('/health/ready', hidden, async (request, reply) => {
    const result = await runChecks(options.checks);
    if (!result.ready) {
      request.log.warn({ checks: result.checks }, 'readiness check failed');
      void reply.status(503);
    }
    return { status: result.ready ? 'ok' : 'unavailable', checks: result.checks };
  });

  app.get('/health', hidden, async (_request, reply) => {
    const result = await runChecks(options.checks);
    if (!result.ready) void reply.status(503);
    return {
      status: result.ready ? 'ok' : 'unavailable',
      service: options.service,
      version: options.version,
      uptimeSeconds: Math.round(process.uptime()),
      checks: result.checks,
    };
  });
}
