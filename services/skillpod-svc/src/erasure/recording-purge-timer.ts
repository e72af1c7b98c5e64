import type { FastifyBaseLogger } from 'fastify';

/**
 * Runs `purge` once right away and then every `intervalMs` until the returned function is called.
 * Runs never overlap in this process, and the purge lock keeps replicas from running at once. The
 * first run does not wait for the interval, so replicas that restart more often still purge.
 * Stopping waits for a run in progress.
 */
export function startRecordingPurgeTimer(options: {
  purge: () => Promise<unknown>;
  intervalMs: number;
  log: FastifyBaseLogger;
}): () => Promise<void> {
  const { log } = options;
  let running: Promise<void> | undefined;

  const tick = (): void => {
    if (running !== undefined) {
      return;
    }
    // The purge logs each erasure it handles, so only a failed run is logged here.
    running = options
      .purge()
      .then(
        () => undefined,
        (error: unknown) => {
          log.error({ err: error }, 'erasure recording purge run failed; it runs again at the next interval');
        },
      )
      .finally(() => {
        running = undefined;
      });
  };

  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
