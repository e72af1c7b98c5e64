import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  close: () => Promise<void>;
}

/**
 * On SIGTERM or SIGINT, runs the steps in order (typically: close the HTTP servers, which stops
 * accepting and waits for in-flight requests, then close the database) and exits. A second signal
 * or `timeoutMs` forces the exit.
 */
export function installGracefulShutdown(
  steps: readonly ShutdownStep[],
  logger: Logger,
  timeoutMs = 25_000,
): void {
  let closing = false;

  const shutdown = async (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal received; exiting without waiting');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();

    let failed = false;
    for (const step of steps) {
      try {
        await step.close();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('shutdown complete');
    process.exit(failed ? 1 : 0);
  };

  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
