import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  close: () => Promise<void>;
}

export interface GracefulShutdownOptions {
  /** Milliseconds the steps may take before the process exits anyway. Defaults to 25,000. */
  timeoutMs?: number;
  /**
   * Milliseconds after the first signal during which further signals count as the same stop request.
   * Ctrl-C under `npm start` delivers SIGINT twice: once from the terminal to the process group, and
   * once forwarded by npm. Defaults to 1,000.
   */
  repeatWindowMs?: number;
}

/**
 * On SIGTERM or SIGINT, runs the steps in order (typically: close the HTTP servers, which stops
 * accepting and waits for in-flight requests, then close the database) and exits. A signal that
 * arrives later than `repeatWindowMs` after the first, or the timeout, forces the exit.
 */
export function installGracefulShutdown(
  steps: readonly ShutdownStep[],
  logger: Logger,
  options: GracefulShutdownOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 25_000;
  const repeatWindowMs = options.repeatWindowMs ?? 1000;
  let firstSignalAt: number | undefined;

  const shutdown = async (signal: string) => {
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

  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      void shutdown(signal);
      return;
    }
    if (Date.now() - firstSignalAt < repeatWindowMs) {
      logger.debug({ signal }, 'signal repeated while shutting down; still closing');
      return;
    }
    logger.warn({ signal }, 'second signal received; exiting without waiting');
    process.exit(1);
  };
  // The listeners stay installed. Without one, a repeated signal would kill the process with Node's
  // default action before the steps finish.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
