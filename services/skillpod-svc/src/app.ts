import type { Database } from '@skillancer/database';
import {
  type AccessTokenVerifier,
  createServiceApp,
  type HealthCheck,
  type ServiceApp,
  ServiceMetrics,
} from '@skillancer/service-kit';
import type { VolumeProvider } from '@skillancer/volumes';
import type { DestinationStream } from 'pino';
import { registerRecordingPurge } from './erasure/register-recording-purge.js';
import { LoggingPodEventSink, type PodEventSink } from './events/pod-events.js';
import { createPodLifecycle, type PodLifecycle, type PodLifecycleSettings } from './pods/lifecycle.js';
import { type RecordingDependencies, registerRecordingRoutes } from './recordings/index.js';
import { registerPodRoutes } from './routes/pod-routes.js';

export interface SkillpodAppDependencies {
  db: Database;
  verifyAccessToken: AccessTokenVerifier;
  /** Volume provider of the pods: Hetzner Cloud Volumes or local directories. */
  volumes: VolumeProvider;
  pods: PodLifecycleSettings;
  /** Receives pod lifecycle events from the audit outbox; defaults to a sink that logs them. */
  events?: PodEventSink;
  logLevel: string;
  /** Fastify's `trustProxy`, from `TRUST_PROXY`. */
  trustProxy?: boolean | number | string;
  logStream?: DestinationStream;
  metrics?: ServiceMetrics;
  checks?: Record<string, HealthCheck>;
  version?: string;
  /**
   * Session recordings: bucket, tenant keys, audit trail, retention and the purge of erased tenants'
   * chunks. Without it the routes and the purge are absent.
   */
  recordings?: Omit<RecordingDependencies, 'db'>;
}

/** skillpod-svc with its pod lifecycle, which tests and the benchmark drive directly. */
export type SkillpodApp = ServiceApp & { podLifecycle: PodLifecycle };

/**
 * Builds skillpod-svc: SkillPods with persistent volumes. The reconciler (unless
 * `pods.reconcileOnStart` is false) and the audit outbox drain start when the app is ready and stop
 * when it closes. Closing also lets running operations finish for `pods.shutdownGraceMs` and aborts
 * the rest, which the next reconciler resumes.
 */
export async function buildSkillpodApp(deps: SkillpodAppDependencies): Promise<SkillpodApp> {
  const metrics = deps.metrics ?? new ServiceMetrics('skillpod-svc');
  const recordingStore = deps.recordings?.store;
  const app = await createServiceApp({
    service: 'skillpod-svc',
    version: deps.version ?? '0.1.0',
    description: 'SkillPods: secure remote workspaces with persistent volumes and session recordings',
    logLevel: deps.logLevel,
    trustProxy: deps.trustProxy,
    logStream: deps.logStream,
    metrics,
    checks: {
      database: () => deps.db.ping(),
      ...(recordingStore === undefined ? {} : { 'recordings-bucket': () => recordingStore.checkBucket() }),
      ...deps.checks,
    },
    verifyAccessToken: deps.verifyAccessToken,
  });

  const lifecycle = createPodLifecycle({
    db: deps.db,
    provider: deps.volumes,
    events: deps.events ?? new LoggingPodEventSink(app.log.child({ component: 'pod-events' })),
    logger: app.log,
    metrics,
    settings: deps.pods,
  });
  app.decorate('podLifecycle', lifecycle);
  registerPodRoutes(app, { pods: lifecycle.service });
  if (deps.recordings !== undefined) {
    registerRecordingRoutes(app, { db: deps.db, ...deps.recordings });
    const intervalMs = deps.recordings.settings.erasurePurgeIntervalMs;
    registerRecordingPurge(app, {
      db: deps.db,
      store: deps.recordings.store,
      metrics,
      ...(intervalMs === undefined ? {} : { intervalMs }),
    });
  }

  app.addHook('onReady', async () => {
    lifecycle.outboxDrainer.start();
    if (lifecycle.settings.reconcileOnStart) lifecycle.reconciler.start();
  });
  app.addHook('onClose', async () => {
    lifecycle.reconciler.halt();
    lifecycle.outboxDrainer.halt();
    await lifecycle.runner.stop(lifecycle.settings.shutdownGraceMs);
    await lifecycle.reconciler.stop();
    await lifecycle.outboxDrainer.stop();
  });
  return app as SkillpodApp;
}
