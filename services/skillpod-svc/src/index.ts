export { buildSkillpodApp, type SkillpodApp, type SkillpodAppDependencies } from './app.js';
export { AUDIT_OUTBOX_LOCK, type AuditOutboxDrainReport } from './events/audit-outbox-drainer.js';
export { AuditTrailPodEventSink, type PodAuditTrail, RECONCILER_ACTOR } from './events/audit-pod-events.js';
export {
  type DeliveredPodEvent,
  LoggingPodEventSink,
  MemoryPodEventSink,
  type PodEvent,
  type PodEventAction,
  type PodEventSink,
} from './events/pod-events.js';
export { DEFAULT_TENANT_LABEL_KEY, type PodLifecycle, type PodLifecycleSettings } from './pods/lifecycle.js';
export type { ReconcileReport } from './pods/reconciler.js';
export { POD_STATES, type PodState } from './pods/states.js';
export { createSkillpodService, type SkillpodServiceContext } from './server.js';
export { createVolumeProvider } from './volume-provider.js';
