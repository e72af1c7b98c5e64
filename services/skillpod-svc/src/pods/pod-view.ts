import { z } from 'zod';
import type { PodRecord } from './pod-record.js';
import { POD_OPERATIONS, POD_STATES } from './states.js';

/** A pod as the API returns it. Provider ids stay internal; the device path is what a node mounts. */
export const podSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  state: z.enum(POD_STATES),
  sizeGb: z.number().int(),
  location: z.string(),
  devicePath: z
    .string()
    .nullable()
    .describe('Block device (or local directory) of the volume while the pod is ready'),
  operation: z
    .object({
      kind: z.enum(POD_OPERATIONS),
      startedAt: z.string(),
      targetSizeGb: z.number().int().optional(),
      attempts: z.number().int().describe('Earlier attempts that failed transiently and were retried'),
    })
    .nullable()
    .describe('The operation in flight, or null when the pod is settled'),
  failure: z
    .object({ code: z.string(), message: z.string(), at: z.string() })
    .nullable()
    .describe('Why the pod failed (state failed) or why its latest operation failed'),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
});

export type PodView = z.infer<typeof podSchema>;

export function toPodView(pod: PodRecord): PodView {
  return {
    id: pod.id,
    name: pod.name,
    state: pod.state,
    sizeGb: pod.sizeGb,
    location: pod.location,
    devicePath: pod.state === 'ready' ? pod.devicePath : null,
    operation:
      pod.operation === null
        ? null
        : {
            kind: pod.operation,
            startedAt: (pod.operationStartedAt ?? pod.updatedAt).toISOString(),
            ...(pod.operationSizeGb === null ? {} : { targetSizeGb: pod.operationSizeGb }),
            attempts: pod.operationAttempts,
          },
    failure:
      pod.failureCode === null
        ? null
        : {
            code: pod.failureCode,
            message: pod.failureMessage ?? '',
            at: (pod.failedAt ?? pod.updatedAt).toISOString(),
          },
    createdAt: pod.createdAt.toISOString(),
    updatedAt: pod.updatedAt.toISOString(),
    deletedAt: pod.deletedAt?.toISOString() ?? null,
  };
}
