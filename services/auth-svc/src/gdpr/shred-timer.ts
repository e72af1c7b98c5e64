import { executeDueShreds, type PhiStore } from '@skillancer/phi-store';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Runs `executeDueShreds` every `intervalMs` until the returned function is called. Runs never
 * overlap in this process, and the job lock keeps replicas from running at once. Each executed
 * or failed shred is logged with the tenant and request ids; no data is logged.
 */
export function startShredTimer(options: {
  store: PhiStore;
  intervalMs: number;
  log: FastifyBaseLogger;
  /** Runs after each shred run, for clean-up outside the database such as deleting uploads. */
  afterRun?: () => Promise<unknown>;
}): () => void {
  const { store, log } = options;
  let running = false;

  const tick = async () => {
    if (running) {
      return;
    }
    running = true;
    try {
      const summary = await executeDueShreds(store);
      for (const execution of summary.executions) {
        log.info(
          {
            tenantId: execution.tenantId,
            shredRequestId: execution.requestId,
            scope: execution.scope,
            keyVersionsDestroyed: execution.destroyedKeys.length,
            recordsDeleted: execution.counts.records,
          },
          'tenant shredded: keys destroyed and data deleted',
        );
      }
      for (const failure of summary.failures) {
        log.error(
          { tenantId: failure.tenantId, shredRequestId: failure.requestId, error: failure.message },
          'tenant shred failed; the next run retries it',
        );
      }
      await options.afterRun?.();
    } catch (error) {
      log.error({ error: error instanceof Error ? error.message : String(error) }, 'shred job failed');
    } finally {
      running = false;
    }
  };

  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
