import type { PlatformConfig } from '@skillancer/config';
import {
  createLoggerOptions,
  type DependencyObserver,
  installGracefulShutdown,
  type ShutdownStep,
} from '@skillancer/service-kit';
import pino from 'pino';
import { openPlatformDatabase } from '../runtime/database.js';
import { CliError } from '../runtime/io.js';
import { resolveMasterKey } from '../runtime/master-key.js';
import {
  createService,
  metricsFor,
  portOf,
  portVariableOf,
  SERVICE_NAMES,
  type ServiceName,
} from '../runtime/services.js';

export interface StartedPlatform {
  urls: Map<ServiceName, string>;
  stop: () => Promise<void>;
}

/**
 * Starts the named services (all three by default) in this process on one database, then prints
 * where each listens. Auth-svc starts first, because the others fetch its signing keys.
 */
export async function startPlatform(
  config: PlatformConfig,
  requested: readonly ServiceName[] = SERVICE_NAMES,
  options: { installSignalHandlers?: boolean; printBanner?: boolean } = {},
): Promise<StartedPlatform> {
  const logger = pino(createLoggerOptions('skillancer', config.logLevel));
  const services = metricsFor(SERVICE_NAMES.filter((name) => requested.includes(name)));
  const observers = services.map((service) => service.metrics.observer('database'));
  const fanOut: DependencyObserver = (call) => {
    for (const observer of observers) observer(call);
  };

  const masterKey = await resolveMasterKey(config, logger);
  const db = await openPlatformDatabase(config, logger, fanOut);
  // Services close in start order, then the database. The handlers go in before the first listen,
  // so a signal during start-up closes the services started so far.
  const database: ShutdownStep = { name: 'database', close: () => db.close() };
  const steps: ShutdownStep[] = [database];
  const urls = new Map<ServiceName, string>();
  if (options.installSignalHandlers ?? true) installGracefulShutdown(steps, logger);

  try {
    for (const { name, metrics } of services) {
      const port = portOf(name, config, services.length === 1);
      const service = await createService(name, { config, db, masterKey, metrics, listenPort: port });
      steps.splice(steps.indexOf(database), 0, { name, close: service.close });
      try {
        await service.app.listen({ host: config.host, port });
      } catch (error) {
        throw listenError(error, name, config, port, services.length === 1);
      }
      const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      urls.set(name, url);
      logger.info({ name, url, docs: `${url}/docs` }, 'service listening');
    }
  } catch (error) {
    for (const step of steps.filter((step) => step !== database).reverse()) {
      await step.close().catch(() => undefined);
    }
    await db.close();
    throw error;
  }

  if (options.printBanner ?? config.mode !== 'production') {
    const lines = [...urls].map(([name, url]) => `  ${name.padEnd(13)} ${url}   API docs: ${url}/docs`);
    process.stdout.write(
      `\nSkillancer is running (${db.engine}, ${config.storage.driver} storage, ${config.volumes.provider} volumes):\n${lines.join('\n')}\n\n`,
    );
  }

  let stopped = false;
  return {
    urls,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const step of steps) await step.close();
    },
  };
}

/** Turns a port already in use into an error that names the variable setting that port. */
function listenError(
  error: unknown,
  name: ServiceName,
  config: PlatformConfig,
  port: number,
  startedAlone: boolean,
): unknown {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') return error;
  const variable = portVariableOf(name, config, startedAlone);
  return new CliError(
    `${name} failed to listen on ${config.host}:${port}: the port is already in use (EADDRINUSE); stop the process that uses it or set ${variable} to a free port`,
  );
}
