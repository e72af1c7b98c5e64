import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/** The maximum delay of `setInterval`. Node.js replaces a longer delay with 1 ms. */
const MAX_INTERVAL_MS = 2_147_483_647;

/** A job that runs in the background of a service, once at start and then at a fixed interval. */
export interface PeriodicJob {
  /** One run. Its result is ignored, so a job logs what it did itself. */
  run: () => Promise<unknown>;
  /** Milliseconds between runs, from 1 to 2,147,483,647. */
  intervalMs: number;
  log: FastifyBaseLogger;
  /** Logged at error level, with the error as `err`, when a run throws. */
  failureMessage: string;
}

/**
 * Runs `job.run` once right away and then every `job.intervalMs` until the returned function is
 * called. Runs never overlap in this process: a tick that finds a run in progress does nothing. The
 * first run does not wait for the interval, so replicas that restart more often still run the job.
 * The timer does not keep the process alive. Stopping waits for a run in progress.
 */
export function startPeriodicJob(job: PeriodicJob): () => Promise<void> {
  requireInterval(job.intervalMs);
  let running: Promise<void> | undefined;

  const tick = (): void => {
    if (running !== undefined) {
      return;
    }
    running = job
      .run()
      .then(
        () => undefined,
        (error: unknown) => {
          job.log.error({ err: error }, job.failureMessage);
        },
      )
      .finally(() => {
        running = undefined;
      });
  };

  tick();
  const timer = setInterval(tick, job.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/**
 * Runs `job` with `startPeriodicJob` from when the app is ready until it closes, so closing the app
 * waits for a run in progress. Throws a RangeError at once when `job.intervalMs` is out of range.
 */
export function schedulePeriodicJob(app: FastifyInstance, job: PeriodicJob): void {
  requireInterval(job.intervalMs);
  let stop: (() => Promise<void>) | undefined;
  app.addHook('onReady', async () => {
    stop = startPeriodicJob(job);
  });
  app.addHook('onClose', async () => {
    await stop?.();
  });
}

function requireInterval(intervalMs: number): void {
  if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_INTERVAL_MS) {
    throw new RangeError(
      `Periodic job interval ${intervalMs} ms is invalid; use an integer from 1 to ${MAX_INTERVAL_MS}.`,
    );
  }
}
