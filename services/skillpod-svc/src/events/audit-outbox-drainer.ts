import type { Database } from '@skillancer/database';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditOutboxMetrics } from './audit-outbox-metrics.js';
import type { OutboxDrainReport, PodAuditOutbox } from './pod-audit-outbox.js';

export interface AuditOutboxDrainerDependencies {
  db: Database;
  outbox: PodAuditOutbox;
  logger: FastifyBaseLogger;
  metrics: AuditOutboxMetrics;
  /** Time between drains; 0 drains only at start-up and when `runOnce` is called. */
  intervalMs: number;
}

/** Counts of one drain run; `skipped` is true when another replica held the drain lock. */
export interface AuditOutboxDrainReport extends OutboxDrainReport {
  skipped: boolean;
  /** Events left in the outbox after the run. */
  pending: number;
}

/** Advisory lock that lets one replica at a time drain the outbox. */
export const AUDIT_OUTBOX_LOCK = 'skillpod-svc:audit-outbox';

/**
 * Delivers the audit events that the process which committed them did not deliver (it crashed, or
 * the sink failed). It runs at start-up and then every `intervalMs`, in one replica at a time under a
 * database advisory lock, and sets the pending-events gauges after each run.
 */
export class AuditOutboxDrainer {
  readonly #deps: AuditOutboxDrainerDependencies;
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(deps: AuditOutboxDrainerDependencies) {
    this.#deps = deps;
  }

  /** Runs once now and then every `intervalMs` until `stop`. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops scheduling runs; the current run stops after the pod it is delivering. */
  halt(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#controller.abort();
  }

  /** Halts and waits for the current run. */
  async stop(): Promise<void> {
    this.halt();
    await this.#current;
  }

  /** Runs one drain now, unless another replica is running one. */
  runOnce(): Promise<AuditOutboxDrainReport> {
    const run = this.#runLocked();
    this.#current = run.catch(() => undefined);
    return run;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.runOnce()
        .catch((error: unknown) => {
          this.#deps.metrics.drainRuns.inc({ outcome: 'error' });
          this.#deps.logger.error(
            { err: error },
            'pod audit outbox drain failed; it runs again at the next interval',
          );
        })
        .finally(() => {
          if (this.#deps.intervalMs > 0) this.#schedule(this.#deps.intervalMs);
        });
    }, delayMs);
    this.#timer.unref();
  }

  async #runLocked(): Promise<AuditOutboxDrainReport> {
    const { db, outbox, metrics, logger } = this.#deps;
    const result = await db.tryWithAdvisoryLock(AUDIT_OUTBOX_LOCK, () =>
      outbox.drain(this.#controller.signal),
    );
    if (!result.acquired) {
      metrics.drainRuns.inc({ outcome: 'skipped' });
      logger.debug('pod audit outbox drain skipped because another replica has the drain lock');
      return { skipped: true, delivered: 0, failedPods: 0, pending: 0 };
    }

    const stats = await outbox.pendingStats();
    metrics.drainRuns.inc({ outcome: 'completed' });
    metrics.pending.set(stats.pending);
    metrics.oldestPendingSeconds.set(stats.oldestSeconds);
    const report = { skipped: false, ...result.value, pending: stats.pending };
    if (report.delivered > 0 || report.failedPods > 0) {
      logger.info({ drain: report }, 'pod audit outbox drain finished');
    } else {
      logger.debug({ drain: report }, 'pod audit outbox drain found nothing to deliver');
    }
    return report;
  }
}
