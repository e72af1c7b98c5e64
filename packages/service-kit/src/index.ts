export { createServiceApp, type ServiceApp, type ServiceAppOptions } from './app.js';
export {
  type AccessTokenVerifier,
  bearerToken,
  createAccessTokenVerifier,
  principalOf,
  remoteJwks,
  requirePermission,
} from './auth.js';
export { type ServiceAddress, serviceBaseUrl } from './base-url.js';
export { installErrorHandler } from './error-handler.js';
export { serializeError } from './error-serializer.js';
export * from './errors.js';
export { type HealthCheck, installHealthRoutes } from './health.js';
export { createLoggerOptions, REDACTED_FIELDS } from './logger.js';
export { type DependencyCall, type DependencyObserver, installMetrics, ServiceMetrics } from './metrics.js';
export { type PeriodicJob, schedulePeriodicJob, startPeriodicJob } from './periodic-job.js';
export * from './principal.js';
export { type GracefulShutdownOptions, installGracefulShutdown, type ShutdownStep } from './shutdown.js';
