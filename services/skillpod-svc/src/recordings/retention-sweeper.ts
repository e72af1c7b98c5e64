import type { Database } from '@skillancer/database';
import type { FastifyBaseLogger } from 'fastify';
import { RETENTION_ACTOR } from './recording-audit.js';
import { type DeletionDependencies, removeRecording } from './recording-deletion.js';
import type { DeletionTarget } from './recording-repository.js';

/** Advisory lock that lets one replica at a time sweep. */
export const RETENTION_SWEEP_LOCK = 'skillpod:recording-retention-sweep';

const BATCH = 100;

export interface SweepReport {
  /** False when another session held the lock, so this run did nothing. */
  ran: boolean;
  deleted: number;
  failed: number;
}

export interface RetentionSweeperOptions extends DeletionDependencies {
  db: Database;
  logger: FastifyBaseLogger;
  clock: () => Date;
  /** Time between sweeps in milliseconds; 0 disables the timer (`sweep` still works). */
  intervalMs: number;
  /**
   * Recordings left in `deleting` for longer than this are finished by the sweeper: a DELETE or an
   * earlier sweep that crashed or could not reach the bucket. Default 5 minutes.
   */
  staleDeletingMs?: number;
}

/**
 * Deletes recordings whose retention has passed: objects, rows and an audit event for each. Runs
 * under a database advisory lock, so replicas sweeping at the same moment do the work once, and
 * every step is idempotent, so a sweep that dies halfway is finished by the next one.
 */
export class RetentionSweeper {
  readonly #options: RetentionSweeperOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepReport> | undefined;

  constructor(options: RetentionSweeperOptions) {
    this.#options = options;
  }

  /**
   * Sweeps once right away, then every `intervalMs`. The first sweep does not wait for the
   * interval, so replicas that restart more often than that still sweep.
   */
  start(): void {
    if (this.#options.intervalMs <= 0 || this.#timer !== undefined) {
      return;
    }
    void this.#runLogged();
    this.#timer = setInterval(() => {
      void this.#runLogged();
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    await this.#running?.catch(() => undefined);
  }

  /** Runs one sweep now; concurrent calls in this process share one run. */
  sweep(): Promise<SweepReport> {
    if (this.#running === undefined) {
      this.#running = this.#sweepLocked().finally(() => {
        this.#running = undefined;
      });
    }
    return this.#running;
  }

  async #runLogged(): Promise<void> {
    try {
      const report = await this.sweep();
      if (report.deleted > 0 || report.failed > 0) {
        this.#options.logger.info(
          { sweep: report },
          `recording retention sweep deleted ${report.deleted} recording(s)`,
        );
      }
    } catch (error) {
      this.#options.logger.error(
        { err: error },
        'recording retention sweep failed; it runs again at the next interval',
      );
    }
  }

  async #sweepLocked(): Promise<SweepReport> {
    const result = await this.#options.db.tryWithAdvisoryLock(RETENTION_SWEEP_LOCK, () => this.#sweepAll());
    return result.acquired ? result.value : { ran: false, deleted: 0, failed: 0 };
  }

  async #sweepAll(): Promise<SweepReport> {
    const { repository, clock } = this.#options;
    const report: SweepReport = { ran: true, deleted: 0, failed: 0 };
    const now = clock();
    const staleBefore = new Date(now.getTime() - (this.#options.staleDeletingMs ?? 300_000));
    await this.#removeAll(await repository.listDeleting(staleBefore, BATCH), report);
    for (;;) {
      const expired = await repository.claimExpired(now, BATCH);
      if (expired.length === 0) {
        break;
      }
      await this.#removeAll(expired, report);
    }
    return report;
  }

  async #removeAll(targets: readonly DeletionTarget[], report: SweepReport): Promise<void> {
    for (const target of targets) {
      try {
        if (await removeRecording(this.#options, target, RETENTION_ACTOR, 'retention')) {
          report.deleted += 1;
        }
      } catch (error) {
        report.failed += 1;
        this.#options.logger.error(
          { err: error, recordingId: target.id, tenantId: target.tenantId },
          'deleting an expired recording failed; it stays hidden and the next sweep retries it',
        );
      }
    }
  }
}
