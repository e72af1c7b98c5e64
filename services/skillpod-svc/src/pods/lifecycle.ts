import type { Database } from '@skillancer/database';
import { validateLabels } from '@skillancer/hetzner-cloud';
import type { ServiceMetrics } from '@skillancer/service-kit';
import { DEFAULT_MANAGED_LABELS, type VolumeProvider } from '@skillancer/volumes';
import type { FastifyBaseLogger } from 'fastify';
import { AuditOutboxDrainer } from '../events/audit-outbox-drainer.js';
import { AuditOutboxMetrics } from '../events/audit-outbox-metrics.js';
import { PodAuditOutbox } from '../events/pod-audit-outbox.js';
import type { PodEventSink } from '../events/pod-events.js';
import { OperationRunner } from './operation-runner.js';
import { OrphanStore } from './orphan-store.js';
import { PodMetrics } from './pod-metrics.js';
import { PodRepository } from './pod-repository.js';
import { PodService } from './pod-service.js';
import { Reconciler } from './reconciler.js';

/** Settings of the pod lifecycle; only the location and the default size have no default. */
export interface PodLifecycleSettings {
  /** Location of new volumes (`HETZNER_LOCATION`). */
  location: string;
  /** Size of a new pod's volume when the request gives none (`HETZNER_VOLUME_SIZE`). */
  defaultSizeGb: number;
  /** Time between reconciler runs (default 60 s); 0 runs it only at start-up. */
  reconcileIntervalMs?: number;
  /** Run the reconciler when the app becomes ready (default true). */
  reconcileOnStart?: boolean;
  /** How long a volume must be an orphan before the reconciler deletes it (default 24 h). */
  orphanGraceMs?: number;
  /** Orphans one reconciler run may delete; when more are due it deletes none (default 25). */
  maxOrphanDeletions?: number;
  /** Lease of a running operation; another replica takes the operation over after it expires (default 30 s). */
  leaseMs?: number;
  /** First retry delay of a transiently failed operation, doubling per attempt (default 5 s, at most 5 min). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Attempts before a transiently failing operation fails for good (default 5). */
  maxAttempts?: number;
  /** How long closing the app waits for running operations before aborting them (default 10 s). */
  shutdownGraceMs?: number;
  /** Labels that mark the volumes of this service (default `skillancer.io/managed-by=skillpod`). */
  managedVolumeLabels?: Record<string, string>;
  /** Label key that stores the tenant id on each volume (default `skillancer.io/tenant`). */
  tenantLabelKey?: string;
  /**
   * Time between drains of the audit outbox (default 10 s); 0 drains only at start-up. A drain
   * delivers the events whose immediate delivery failed or was cut off by a crash.
   */
  auditOutboxIntervalMs?: number;
}

export const DEFAULT_TENANT_LABEL_KEY = 'skillancer.io/tenant';

/** The parts of the pod lifecycle, wired together. */
export interface PodLifecycle {
  service: PodService;
  runner: OperationRunner;
  reconciler: Reconciler;
  repository: PodRepository;
  outbox: PodAuditOutbox;
  outboxDrainer: AuditOutboxDrainer;
  settings: Required<PodLifecycleSettings>;
}

/**
 * Fills in the defaults and checks the volume labels with Hetzner's label rules, so that a bad label
 * setting fails at start-up instead of failing every pod.
 */
export function resolveSettings(settings: PodLifecycleSettings): Required<PodLifecycleSettings> {
  const resolved: Required<PodLifecycleSettings> = {
    reconcileIntervalMs: 60_000,
    reconcileOnStart: true,
    orphanGraceMs: 24 * 3600_000,
    maxOrphanDeletions: 25,
    leaseMs: 30_000,
    retryBaseMs: 5_000,
    retryCapMs: 300_000,
    maxAttempts: 5,
    shutdownGraceMs: 10_000,
    managedVolumeLabels: { ...DEFAULT_MANAGED_LABELS },
    tenantLabelKey: DEFAULT_TENANT_LABEL_KEY,
    auditOutboxIntervalMs: 10_000,
    ...settings,
  };
  try {
    validateLabels({ ...resolved.managedVolumeLabels, [resolved.tenantLabelKey]: EXAMPLE_TENANT_ID });
  } catch (error) {
    throw new Error(
      `the pod volume labels are invalid (${error instanceof Error ? error.message : String(error)}); fix managedVolumeLabels or tenantLabelKey`,
      { cause: error },
    );
  }
  return resolved;
}

// Tenant ids are UUIDs, so any of them checks the tenant label's value the same way.
const EXAMPLE_TENANT_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Builds the service, the operation runner and the reconciler over one repository and provider, and
 * the audit outbox that delivers their pod events to `events`.
 */
export function createPodLifecycle(input: {
  db: Database;
  provider: VolumeProvider;
  events: PodEventSink;
  logger: FastifyBaseLogger;
  metrics: ServiceMetrics;
  settings: PodLifecycleSettings;
}): PodLifecycle {
  const settings = resolveSettings(input.settings);
  const repository = new PodRepository(input.db);
  const podMetrics = new PodMetrics(input.metrics.registry);
  const outboxMetrics = new AuditOutboxMetrics(input.metrics.registry);
  const outboxLogger = input.logger.child({ component: 'pod-audit-outbox' });
  const outbox = new PodAuditOutbox({
    db: input.db,
    sink: input.events,
    logger: outboxLogger,
    metrics: outboxMetrics,
  });
  const outboxDrainer = new AuditOutboxDrainer({
    db: input.db,
    outbox,
    logger: outboxLogger,
    metrics: outboxMetrics,
    intervalMs: settings.auditOutboxIntervalMs,
  });
  const runner = new OperationRunner({
    repository,
    provider: input.provider,
    outbox,
    logger: input.logger.child({ component: 'pod-operations' }),
    metrics: podMetrics,
    options: {
      leaseMs: settings.leaseMs,
      retryBaseMs: settings.retryBaseMs,
      retryCapMs: settings.retryCapMs,
      maxAttempts: settings.maxAttempts,
      tenantLabelKey: settings.tenantLabelKey,
    },
  });
  const service = new PodService({
    repository,
    runner,
    provider: input.provider,
    outbox,
    logger: input.logger.child({ component: 'pods' }),
    options: {
      location: settings.location,
      defaultSizeGb: settings.defaultSizeGb,
      leaseMs: settings.leaseMs,
    },
  });
  const reconciler = new Reconciler({
    db: input.db,
    repository,
    runner,
    provider: input.provider,
    orphans: new OrphanStore(input.db, input.provider.kind),
    logger: input.logger.child({ component: 'pod-reconciler' }),
    metrics: podMetrics,
    options: {
      intervalMs: settings.reconcileIntervalMs,
      leaseMs: settings.leaseMs,
      batchSize: 100,
      concurrency: 8,
      managedLabels: settings.managedVolumeLabels,
      orphanGraceMs: settings.orphanGraceMs,
      maxOrphanDeletions: settings.maxOrphanDeletions,
    },
  });
  return { service, runner, reconciler, repository, outbox, outboxDrainer, settings };
}
