import { randomUUID } from 'node:crypto';
import type { VolumeProvider } from '@skillancer/volumes';
import type { FastifyBaseLogger } from 'fastify';
import type { PodAuditOutbox } from '../events/pod-audit-outbox.js';
import { classifyFailure, exhaustedFailure, type PodFailure } from './failures.js';
import { type OperationResult, performOperation } from './perform-operation.js';
import { podEventOf } from './pod-event-of.js';
import type { PodMetrics } from './pod-metrics.js';
import type { PodRecord } from './pod-record.js';
import type { PodRepository } from './pod-repository.js';
import { stateAfterFailure, VOLUME_MISSING } from './states.js';

export interface OperationRunnerOptions {
  /** How long a lease lasts without renewal; the runner renews it every third of this time. */
  leaseMs: number;
  /** First delay before a transiently failed operation is retried; it doubles per attempt. */
  retryBaseMs: number;
  retryCapMs: number;
  /** Attempts (first run included) before a transiently failing operation fails for good. */
  maxAttempts: number;
  /** Label key that stores the tenant id on each volume. */
  tenantLabelKey: string;
}

export interface OperationRunnerDependencies {
  repository: PodRepository;
  provider: VolumeProvider;
  /** Records each finished operation's event in the transaction that writes its result. */
  outbox: PodAuditOutbox;
  logger: FastifyBaseLogger;
  metrics: PodMetrics;
  options: OperationRunnerOptions;
}

/** Outcome of one run of a leased operation. */
export type RunOutcome = 'succeeded' | 'failed' | 'postponed' | 'lease_lost' | 'skipped';

/**
 * Runs the leased operations of pods against the volume provider and records their results. Each pod
 * runs at most one operation at a time in this process; across processes the database lease decides.
 * While an operation runs, its lease is renewed, and its result is written only if the lease is still
 * held, so a replica that took over an expired lease is never overwritten by a late result.
 */
export class OperationRunner {
  readonly #deps: OperationRunnerDependencies;
  readonly #running = new Map<string, { done: Promise<RunOutcome>; controller: AbortController }>();
  #stopping = false;

  constructor(deps: OperationRunnerDependencies) {
    this.#deps = deps;
  }

  /** Number of operations running in this process. */
  get runningCount(): number {
    return this.#running.size;
  }

  /** Starts the pod's leased operation in the background. `run` logs its errors, so none escapes. */
  startInBackground(pod: PodRecord, actorUserId?: string): void {
    void this.run(pod, actorUserId);
  }

  /**
   * Runs the pod's leased operation to its end. A pod whose operation already runs in this process
   * returns that run's outcome.
   */
  run(pod: PodRecord, actorUserId?: string): Promise<RunOutcome> {
    const current = this.#running.get(pod.id);
    if (current !== undefined) return current.done;
    if (this.#stopping || pod.operation === null || pod.leaseToken === null)
      return Promise.resolve('skipped');

    const controller = new AbortController();
    const done = this.#runLeased(pod, actorUserId, controller).catch((error: unknown) => {
      this.#deps.logger.error({ err: error, podId: pod.id }, 'pod operation failed to record its result');
      return 'failed' as const;
    });
    this.#running.set(pod.id, { done, controller });
    void done.finally(() => this.#running.delete(pod.id));
    return done;
  }

  /**
   * Stops accepting operations, lets running ones finish for up to `graceMs`, then aborts the rest. An
   * aborted operation keeps its state and is resumed by the next reconciler run of any replica.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    const all = () => Promise.all([...this.#running.values()].map((entry) => entry.done));
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all(), graceOver]);
    clearTimeout(timer);
    for (const entry of this.#running.values()) entry.controller.abort();
    await all();
  }

  /** Resolves when no operation runs in this process (used by tests and the benchmark). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) {
      await Promise.all([...this.#running.values()].map((entry) => entry.done));
    }
  }

  async #runLeased(
    pod: PodRecord,
    actorUserId: string | undefined,
    controller: AbortController,
  ): Promise<RunOutcome> {
    const { repository, options, logger, metrics } = this.#deps;
    const leaseToken = pod.leaseToken as string;
    const operation = pod.operation as NonNullable<PodRecord['operation']>;
    const renewal = setInterval(
      () => {
        void repository.renewLease(pod.id, leaseToken, options.leaseMs).then(
          (held) => {
            if (held) return;
            logger.warn(
              { podId: pod.id, operation },
              'pod operation lease was taken over; aborting this run',
            );
            controller.abort();
          },
          (error: unknown) =>
            logger.warn({ err: error, podId: pod.id }, 'renewing a pod operation lease failed'),
        );
      },
      Math.max(50, Math.floor(options.leaseMs / 3)),
    );

    const startedAt = performance.now();
    let result: OperationResult | null = null;
    let failure: PodFailure | null = null;
    try {
      result = await performOperation(this.#deps.provider, pod, {
        signal: controller.signal,
        tenantLabelKey: options.tenantLabelKey,
      });
    } catch (error) {
      failure = classifyFailure(error);
      logger.warn(
        { err: error, podId: pod.id, tenantId: pod.tenantId, operation, failureCode: failure.code },
        `pod ${operation} attempt failed`,
      );
    } finally {
      clearInterval(renewal);
      metrics.operationDuration.observe({ operation }, (performance.now() - startedAt) / 1000);
    }

    if (result !== null) return this.#succeed(pod, leaseToken, result, actorUserId);
    return this.#fail(pod, leaseToken, failure as PodFailure, actorUserId);
  }

  async #succeed(
    pod: PodRecord,
    leaseToken: string,
    result: OperationResult,
    actorUserId?: string,
  ): Promise<RunOutcome> {
    const { logger, metrics } = this.#deps;
    const operation = pod.operation as NonNullable<PodRecord['operation']>;
    const finished = await this.#finish(pod, null, actorUserId, (pods) =>
      pods.finishOperation(pod.id, leaseToken, result.state, result.facts, null),
    );
    if (finished === null) return this.#leaseLost(pod);

    metrics.operations.inc({ operation, outcome: 'success' });
    logger.info(
      {
        podId: pod.id,
        tenantId: pod.tenantId,
        operation,
        state: finished.state,
        volumeId: finished.volumeId,
      },
      `pod ${operation} finished; pod is ${finished.state}`,
    );
    return 'succeeded';
  }

  async #fail(
    pod: PodRecord,
    leaseToken: string,
    failure: PodFailure,
    actorUserId?: string,
  ): Promise<RunOutcome> {
    const { repository, logger, metrics, options } = this.#deps;
    const operation = pod.operation as NonNullable<PodRecord['operation']>;

    if (failure.transient) {
      const aborted = failure.code === 'aborted';
      const attempts = pod.operationAttempts + (aborted ? 0 : 1);
      if (attempts < options.maxAttempts) {
        const retryInMs = aborted
          ? 0
          : Math.min(options.retryCapMs, options.retryBaseMs * 2 ** (attempts - 1));
        const postponed = await repository.postponeOperation(
          pod.id,
          leaseToken,
          failure,
          retryInMs,
          !aborted,
        );
        if (postponed === null) return this.#leaseLost(pod);
        metrics.operations.inc({ operation, outcome: 'retry' });
        logger.warn(
          { podId: pod.id, operation, failureCode: failure.code, attempts, retryInMs },
          `pod ${operation} postponed; the reconciler retries it`,
        );
        return 'postponed';
      }
      failure = exhaustedFailure(failure, attempts);
    }

    const state =
      failure.code === VOLUME_MISSING && operation !== 'delete'
        ? 'failed'
        : stateAfterFailure(operation, pod.resumeState);
    const facts =
      operation === 'create' && failure.volumeId !== undefined ? { volumeId: failure.volumeId } : {};
    const finished = await this.#finish(pod, failure, actorUserId, (pods) =>
      pods.finishOperation(pod.id, leaseToken, state, facts, failure),
    );
    if (finished === null) return this.#leaseLost(pod);

    metrics.operations.inc({ operation, outcome: 'failure' });
    logger.warn(
      {
        podId: pod.id,
        tenantId: pod.tenantId,
        operation,
        state,
        failureCode: failure.code,
        volumeId: finished.volumeId,
      },
      `pod ${operation} failed; pod is ${state}`,
    );
    return 'failed';
  }

  #leaseLost(pod: PodRecord): RunOutcome {
    this.#deps.logger.warn(
      { podId: pod.id, operation: pod.operation },
      'pod operation lease was lost before its result was written; another worker owns the pod now',
    );
    return 'lease_lost';
  }

  /**
   * Writes the operation's result with `write` and its event into the audit outbox in one
   * transaction, then has the outbox deliver the event. Returns null, and records nothing, when the
   * lease was lost.
   */
  #finish(
    pod: PodRecord,
    failure: PodFailure | null,
    actorUserId: string | undefined,
    write: (pods: PodRepository) => Promise<PodRecord | null>,
  ): Promise<PodRecord | null> {
    const { repository, outbox } = this.#deps;
    return outbox.commit(async (tx) => {
      const finished = await write(repository.in(tx));
      const event = finished === null ? null : podEventOf(pod, finished, failure, actorUserId);
      return { value: finished, event };
    });
  }
}

/** Returns a fresh lease token for an operation. */
export function newLeaseToken(): string {
  return randomUUID();
}
