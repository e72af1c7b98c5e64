import type { Database } from '@skillancer/database';
import type { VolumeProvider } from '@skillancer/volumes';
import type { FastifyBaseLogger } from 'fastify';
import { newLeaseToken, type OperationRunner, type RunOutcome } from './operation-runner.js';
import type { OrphanStore } from './orphan-store.js';
import type { PodMetrics } from './pod-metrics.js';
import type { PodRepository } from './pod-repository.js';
import { sweepVolumes, type VolumeSweepOptions, type VolumeSweepReport } from './volume-sweep.js';

export interface ReconcilerOptions extends VolumeSweepOptions {
  /** Time between runs; 0 runs only at start-up and when `runOnce` is called. */
  intervalMs: number;
  leaseMs: number;
  /** Interrupted operations taken over per run. */
  batchSize: number;
  /** Operations the reconciler runs at the same time. */
  concurrency: number;
}

export interface ReconcilerDependencies {
  db: Database;
  repository: PodRepository;
  runner: OperationRunner;
  provider: VolumeProvider;
  orphans: OrphanStore;
  logger: FastifyBaseLogger;
  metrics: PodMetrics;
  options: ReconcilerOptions;
}

/** Counts of one reconciler run; `skipped` is true when another replica held the reconciler lock. */
export interface ReconcileReport extends VolumeSweepReport {
  skipped: boolean;
  operationsResumed: number;
  operationsFailed: number;
  operationsPostponed: number;
}

/** Advisory lock that lets one replica at a time reconcile. */
export const RECONCILER_LOCK = 'skillpod-svc:reconciler';

/**
 * Finishes or rolls back pod operations left behind by a crashed or stopped replica, and compares the
 * provider's volumes with the pods table (see `sweepVolumes`). It runs at start-up and then every
 * `intervalMs`, in one replica at a time under a database advisory lock.
 */
export class Reconciler {
  readonly #deps: ReconcilerDependencies;
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(deps: ReconcilerDependencies) {
    this.#deps = deps;
  }

  /** Runs once now and then every `intervalMs` until `stop`. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops scheduling runs and taking over operations, and aborts the provider calls of the sweep. */
  halt(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#controller.abort();
  }

  /**
   * Halts and waits for the current run. Operations the run took over end only when the runner lets
   * them, so stop the runner between `halt` and `stop`.
   */
  async stop(): Promise<void> {
    this.halt();
    await this.#current;
  }

  /** Runs one reconciliation now, unless another replica is running one. */
  runOnce(): Promise<ReconcileReport> {
    const run = this.#runLocked();
    this.#current = run.catch(() => undefined);
    return run;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.runOnce()
        .catch((error: unknown) => {
          this.#deps.metrics.reconcilerRuns.inc({ outcome: 'error' });
          if (this.#stopped) {
            // Halting aborts the sweep's provider calls, so an error now is the expected end of the run.
            this.#deps.logger.debug({ err: error }, 'pod reconciler run ended by shutdown');
            return;
          }
          this.#deps.logger.error(
            { err: error },
            'pod reconciler run failed; it runs again at the next interval',
          );
        })
        .finally(() => {
          if (this.#deps.options.intervalMs > 0) this.#schedule(this.#deps.options.intervalMs);
        });
    }, delayMs);
    this.#timer.unref();
  }

  async #runLocked(): Promise<ReconcileReport> {
    const { db, metrics, logger } = this.#deps;
    const result = await db.tryWithAdvisoryLock(RECONCILER_LOCK, () => this.#reconcile());
    if (!result.acquired) {
      metrics.reconcilerRuns.inc({ outcome: 'skipped' });
      logger.debug('pod reconciler run skipped because another replica has the reconciler lock');
      return { ...emptyReport(), skipped: true };
    }
    metrics.reconcilerRuns.inc({ outcome: 'completed' });
    const report = result.value;
    const acted =
      report.operationsResumed +
      report.operationsFailed +
      report.operationsPostponed +
      report.adopted +
      report.corrected +
      report.orphansFound +
      report.orphansDeleted;
    if (acted > 0 || report.orphansKept > 0)
      logger.info({ reconcile: report }, 'pod reconciler run finished');
    else logger.debug({ reconcile: report }, 'pod reconciler run found nothing to do');
    return report;
  }

  async #reconcile(): Promise<ReconcileReport> {
    const report = emptyReport();
    await this.#resumeOperations(report);
    if (this.#stopped) return report;
    const sweep = await sweepVolumes(this.#deps, this.#controller.signal);
    return { ...report, ...sweep };
  }

  /** Takes over operations whose lease has expired and runs them to their end. */
  async #resumeOperations(report: ReconcileReport): Promise<void> {
    const { repository, runner, logger, metrics, options } = this.#deps;
    const ids = await repository.listClaimable(options.batchSize);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length && !this.#stopped) {
        const id = ids[next] as string;
        next += 1;
        const pod = await repository.claim(id, newLeaseToken(), options.leaseMs);
        if (pod === null) continue;
        logger.info(
          { podId: pod.id, operation: pod.operation, state: pod.state, attempts: pod.operationAttempts },
          'pod reconciler took over an interrupted operation',
        );
        count(report, await runner.run(pod));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
    metrics.countReconcilerAction('operation_resumed', report.operationsResumed);
    metrics.countReconcilerAction('operation_failed', report.operationsFailed);
    metrics.countReconcilerAction('operation_postponed', report.operationsPostponed);
  }
}

function count(report: ReconcileReport, outcome: RunOutcome): void {
  if (outcome === 'succeeded') report.operationsResumed += 1;
  if (outcome === 'failed') report.operationsFailed += 1;
  if (outcome === 'postponed') report.operationsPostponed += 1;
}

function emptyReport(): ReconcileReport {
  return {
    skipped: false,
    operationsResumed: 0,
    operationsFailed: 0,
    operationsPostponed: 0,
    volumesSeen: 0,
    adopted: 0,
    corrected: 0,
    orphansFound: 0,
    orphansDeleted: 0,
    orphansKept: 0,
  };
}
