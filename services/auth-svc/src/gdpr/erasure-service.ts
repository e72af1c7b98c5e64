import {
  cancelTenantShred,
  type PhiStore,
  requestTenantShred,
  type StoredShredRequest,
} from '@skillancer/phi-store';
import { conflict, notFound, type Principal } from '@skillancer/service-kit';
import type { AccountRepository } from '../accounts/account-repository.js';
import { actorOf } from '../phi/audit-actor.js';

/** An erasure request as the API returns it. */
export interface ErasureView {
  id: string;
  tenantId: string;
  scope: 'account' | 'tenant';
  status: 'scheduled' | 'in_progress' | 'cancelled' | 'executed';
  requestedAt: string;
  /** When the keys will be destroyed, unless the request is cancelled first. */
  dueAt: string;
  cancelledAt: string | null;
}

export function toErasureView(request: StoredShredRequest): ErasureView {
  let status: ErasureView['status'] = 'scheduled';
  if (request.executedAt !== null) {
    status = 'executed';
  } else if (request.cancelledAt !== null) {
    status = 'cancelled';
  } else if (request.startedAt !== null) {
    status = 'in_progress';
  }
  return {
    id: request.id,
    tenantId: request.tenantId,
    scope: request.scope,
    status,
    requestedAt: request.requestedAt.toISOString(),
    dueAt: request.dueAt.toISOString(),
    cancelledAt: request.cancelledAt?.toISOString() ?? null,
  };
}

/**
 * Schedules and cancels erasures (GDPR Article 17). A request waits `delayHours` before the
 * shred job destroys the tenant's keys and deletes its data, so it can be cancelled meanwhile.
 */
export class ErasureService {
  constructor(
    private readonly store: PhiStore,
    private readonly accounts: AccountRepository,
    private readonly delayHours: number,
  ) {}

  /** Schedules the erasure of the caller's account together with its personal tenant. */
  async requestAccountErasure(principal: Principal, reason: string | undefined): Promise<ErasureView> {
    const tenantId = await this.#personalTenant(principal);
    const request = await requestTenantShred(this.store, {
      tenantId,
      scope: 'account',
      userId: principal.userId,
      actor: actorOf(principal),
      reason: reason ?? 'account erasure requested by the account holder',
      delayHours: this.delayHours,
    });
    return toErasureView(request);
  }

  async cancelAccountErasure(principal: Principal): Promise<ErasureView> {
    const tenantId = await this.#personalTenant(principal);
    return toErasureView(await cancelTenantShred(this.store, tenantId, actorOf(principal)));
  }

  async accountErasureStatus(principal: Principal): Promise<ErasureView> {
    const pending = await this.store.shredRequests.findPending(await this.#personalTenant(principal));
    if (pending === undefined) {
      throw notFound('A pending erasure');
    }
    return toErasureView(pending);
  }

  /** Schedules the erasure of the caller's tenant; another tenant's id is reported as not found. */
  async requestTenantErasure(
    principal: Principal,
    tenantId: string,
    reason: string | undefined,
  ): Promise<ErasureView> {
    this.#requireOwnTenant(principal, tenantId);
    const request = await requestTenantShred(this.store, {
      tenantId,
      scope: 'tenant',
      actor: actorOf(principal),
      reason: reason ?? 'tenant erasure requested by a tenant admin',
      delayHours: this.delayHours,
    });
    return toErasureView(request);
  }

  async cancelTenantErasure(principal: Principal, tenantId: string): Promise<ErasureView> {
    this.#requireOwnTenant(principal, tenantId);
    return toErasureView(await cancelTenantShred(this.store, tenantId, actorOf(principal)));
  }

  #requireOwnTenant(principal: Principal, tenantId: string): void {
    if (tenantId !== principal.tenantId) {
      throw notFound('The tenant');
    }
  }

  async #personalTenant(principal: Principal): Promise<string> {
    const memberships = await this.accounts.listMemberships(principal.userId);
    const personal = memberships.find((m) => m.tenantKind === 'personal' && m.role === 'owner');
    if (personal === undefined) {
      throw conflict(
        'no_personal_tenant',
        'This account has no personal tenant to erase with it; an admin of its organization can erase the ' +
          'organization with DELETE /gdpr/tenants/{tenantId}',
      );
    }
    return personal.tenantId;
  }
}
