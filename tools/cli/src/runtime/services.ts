import { createAuthService } from '@skillancer/auth-svc';
import { createCockpitService } from '@skillancer/cockpit-svc';
import type { PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import { type ServiceApp, ServiceMetrics } from '@skillancer/service-kit';
import { createSkillpodService } from '@skillancer/skillpod-svc';

export const SERVICE_NAMES = ['auth-svc', 'skillpod-svc', 'cockpit-svc'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceContext {
  config: PlatformConfig;
  db: Database;
  masterKey: Buffer;
  metrics: ServiceMetrics;
  /** Port that the caller makes the service listen on, from `portOf`. */
  listenPort: number;
}

type ServiceFactory = (context: ServiceContext) => Promise<{ app: ServiceApp; close: () => Promise<void> }>;

const FACTORIES: Record<ServiceName, ServiceFactory> = {
  'auth-svc': createAuthService,
  'skillpod-svc': createSkillpodService,
  'cockpit-svc': createCockpitService,
};

export function createService(name: ServiceName, context: ServiceContext) {
  return FACTORIES[name](context);
}

export function portOf(name: ServiceName, config: PlatformConfig, startedAlone: boolean): number {
  if (startedAlone && config.portOverride !== undefined) return config.portOverride;
  if (name === 'auth-svc') return config.ports.auth;
  if (name === 'skillpod-svc') return config.ports.skillpod;
  return config.ports.cockpit;
}

/** Returns the environment variable that sets the port `portOf` returns, for error messages. */
export function portVariableOf(name: ServiceName, config: PlatformConfig, startedAlone: boolean): string {
  if (startedAlone && config.portOverride !== undefined) return 'PORT';
  if (name === 'auth-svc') return 'AUTH_PORT';
  if (name === 'skillpod-svc') return 'SKILLPOD_PORT';
  return 'COCKPIT_PORT';
}

export function metricsFor(
  names: readonly ServiceName[],
): Array<{ name: ServiceName; metrics: ServiceMetrics }> {
  return names.map((name) => ({ name, metrics: new ServiceMetrics(name) }));
}
