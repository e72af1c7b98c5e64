import { randomUUID } from 'node:crypto';
import {
  AppError,
  conflict,
  notFound,
  type Principal,
  serviceUnavailable,
  unprocessable,
} from '@skillancer/service-kit';
import { isVolumeError, type VolumeProvider } from '@skillancer/volumes';
import type { FastifyBaseLogger } from 'fastify';
import type { PodAuditOutbox } from '../events/pod-audit-outbox.js';
import type { PodEvent } from '../events/pod-events.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { fingerprintCreateRequest } from './idempotency.js';
import { newLeaseToken, type OperationRunner } from './operation-runner.js';
import type { PodRecord } from './pod-record.js';
import type { PodRepository } from './pod-repository.js';
import { isRejected, type PodAction, planTransition } from './states.js';

export interface PodServiceOptions {
  /** Location of new volumes, for example `fsn1`. */
  location: string;
  defaultSizeGb: number;
  leaseMs: number;
}

export interface PodServiceDependencies {
  repository: PodRepository;
  runner: OperationRunner;
  provider: VolumeProvider;
  /** Records `pod.created` in the transaction that inserts the pod. */
  outbox: PodAuditOutbox;
  logger: FastifyBaseLogger;
  options: PodServiceOptions;
}

export interface CreatePodInput {
  name?: string;
  sizeGb?: number;
}

/** Result of a request that may start an operation: `accepted` is false when nothing new was started. */
export interface PodChange {
  pod: PodRecord;
  accepted: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Compare-and-set attempts when concurrent requests change the same pod.
const MAX_CAS_ATTEMPTS = 3;

/** The request side of the pod lifecycle: it records each transition, then hands the work to the runner. */
export class PodService {
  readonly #deps: PodServiceDependencies;

  constructor(deps: PodServiceDependencies) {
    this.#deps = deps;
  }

  /**
   * Creates a pod in `provisioning` and starts its create in the background. A request that repeats an
   * earlier idempotency key of the tenant returns the earlier pod and starts nothing. The same key with
   * another body is rejected with 422 `idempotency_key_reused`.
   */
  async create(principal: Principal, input: CreatePodInput, idempotencyKey: string): Promise<PodChange> {
    const { repository, runner, outbox, options } = this.#deps;
    const id = randomUUID();
    const fingerprint = fingerprintCreateRequest(input);
    const leaseToken = newLeaseToken();
    const newPod = {
      id,
      tenantId: principal.tenantId,
      ownerUserId: principal.userId,
      name: input.name ?? `pod-${id.slice(0, 8)}`,
      sizeGb: input.sizeGb ?? options.defaultSizeGb,
      location: options.location,
      idempotencyKey,
      requestFingerprint: fingerprint,
      createdAt: new Date(),
    };
    const { created, pod } = await outbox.commit(async (tx) => {
      const inserted = await repository.in(tx).insert(newPod, leaseToken, options.leaseMs);
      return {
        value: inserted,
        event: inserted.created ? createdEvent(inserted.pod, principal.userId) : null,
      };
    });

    if (!created) {
      if (pod.requestFingerprint !== fingerprint) {
        throw unprocessable(
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request body; send a new key for a new pod',
        );
      }
      return { pod, accepted: false };
    }

    this.#deps.logger.info(
      { podId: pod.id, tenantId: pod.tenantId, sizeGb: pod.sizeGb, location: pod.location },
      'pod created; provisioning its volume',
    );
    runner.startInBackground(pod, principal.userId);
    return { pod, accepted: true };
  }

  /** Returns the tenant's pod; another tenant's pod, a malformed id and a missing pod are all 404. */
  async get(principal: Principal, podId: string): Promise<PodRecord> {
    const pod = UUID.test(podId)
      ? await this.#deps.repository.findForTenant(principal.tenantId, podId)
      : null;
    if (pod === null) throw notFound(`Pod ${podId}`);
    return pod;
  }

  /** Lists the tenant's pods that are not deleted, newest first. */
  async list(
    principal: Principal,
    cursorText: string | undefined,
    limit: number,
  ): Promise<{ items: PodRecord[]; nextCursor: string | null }> {
    let cursor = null;
    if (cursorText !== undefined) {
      cursor = decodeCursor(cursorText);
      if (cursor === null) {
        throw new AppError(
          400,
          'invalid_cursor',
          'The cursor is not one returned by GET /pods; start again without it',
          {
            details: { field: 'querystring.cursor' },
          },
        );
      }
    }
    const rows = await this.#deps.repository.listForTenant(principal.tenantId, cursor, limit);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > limit && last !== undefined
        ? encodeCursor({ createdAt: last.createdAt, id: last.id })
        : null;
    return { items, nextCursor };
  }

  /**
   * Starts `stop`, `start` or `resize`. A resize to a smaller size is rejected before any provider call,
   * a resize to the current size changes nothing, and repeating the action that is already running
   * returns the pod as it is.
   */
  async act(principal: Principal, podId: string, action: PodAction, sizeGb?: number): Promise<PodChange> {
    if (action === 'resize' && sizeGb === undefined) {
      throw new AppError(400, 'validation_failed', 'body.sizeGb: a resize needs the new size in GB', {
        details: { field: 'body.sizeGb' },
      });
    }
    return this.#transition(principal, podId, action, async (pod) => {
      if (pod.operation !== null) {
        // Repeating the action that is already running is accepted without starting anything.
        const same =
          pod.operation === operationOf(action, pod) &&
          (action !== 'resize' || pod.operationSizeGb === sizeGb);
        return { proceed: !same };
      }
      if (action !== 'resize' || sizeGb === undefined) return { proceed: true };
      if (sizeGb < pod.sizeGb) {
        throw unprocessable(
          'volume_shrink_rejected',
          `The pod's volume has ${pod.sizeGb} GB and volumes only grow; request ${pod.sizeGb} GB or more`,
          { field: 'body.sizeGb', currentSizeGb: pod.sizeGb },
        );
      }
      if (sizeGb === pod.sizeGb) return { proceed: false };
      return { proceed: true, targetSizeGb: sizeGb };
    });
  }

  /**
   * Starts the delete: detach, then delete the volume. A volume with delete protection is reported as
   * 409 `volume_protected` before anything changes. Deleting a deleted pod returns it unchanged.
   */
  async delete(principal: Principal, podId: string): Promise<PodChange> {
    return this.#transition(principal, podId, 'delete', async (pod) => {
      if (pod.state === 'deleted' || pod.operation === 'delete') return { proceed: false };
      if (pod.operation === null && pod.volumeId !== null) await this.#assertDeletable(pod.volumeId);
      return { proceed: true };
    });
  }

  async #transition(
    principal: Principal,
    podId: string,
    action: PodAction | 'delete',
    check: (pod: PodRecord) => Promise<{ proceed: boolean; targetSizeGb?: number }>,
  ): Promise<PodChange> {
    const { repository, runner, options } = this.#deps;
    for (let attempt = 1; ; attempt += 1) {
      const pod = await this.get(principal, podId);
      const verdict = await check(pod);
      if (!verdict.proceed) return { pod, accepted: false };

      const plan = planTransition(pod.state, action, pod.failureCode);
      if (isRejected(plan)) throw conflict(plan.code, plan.message);
      const started = await repository.beginOperation(pod, plan, {
        leaseToken: newLeaseToken(),
        leaseMs: options.leaseMs,
        ...(verdict.targetSizeGb === undefined ? {} : { targetSizeGb: verdict.targetSizeGb }),
      });
      if (started !== null) {
        this.#deps.logger.info(
          { podId: pod.id, tenantId: pod.tenantId, operation: plan.operation, from: pod.state },
          `pod ${plan.operation} started`,
        );
        runner.startInBackground(started, principal.userId);
        return { pod: started, accepted: true };
      }
      if (attempt >= MAX_CAS_ATTEMPTS) {
        throw conflict(
          'concurrent_modification',
          'The pod was changed by another request; read it and try again',
        );
      }
    }
  }

  async #assertDeletable(volumeId: string): Promise<void> {
    let volume: Awaited<ReturnType<VolumeProvider['get']>>;
    try {
      volume = await this.#deps.provider.get(volumeId);
    } catch (error) {
      if (isVolumeError(error, 'provider_unavailable', 'timeout')) {
        throw serviceUnavailable(
          'provider_unavailable',
          'The volume provider is unavailable; retry the delete shortly',
          error,
        );
      }
      throw error;
    }
    if (volume?.protected) {
      throw conflict(
        'volume_protected',
        "The pod's volume has delete protection; an operator must turn it off before the pod can be deleted",
      );
    }
  }
}

function createdEvent(pod: PodRecord, actorUserId: string): PodEvent {
  return {
    tenantId: pod.tenantId,
    actorUserId,
    action: 'pod.created',
    podId: pod.id,
    outcome: 'success',
    // The pod's name is free text a user chose, so it stays out of the audit trail like any other
    // possible PHI. The pod id identifies the pod.
    details: { sizeGb: pod.sizeGb, location: pod.location },
  };
}

/** Returns the operation an action runs on this pod: `start` on a failed pod re-runs the create. */
function operationOf(action: PodAction, pod: PodRecord): string {
  if (action === 'start' && pod.operation === 'create') return 'create';
  return action;
}
