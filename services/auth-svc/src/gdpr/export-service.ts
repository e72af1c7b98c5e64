import type { AuditEventInput, PhiStore } from '@skillancer/phi-store';
import { type Principal, unauthorized } from '@skillancer/service-kit';
import type { AccountRepository } from '../accounts/account-repository.js';
import { actorOf } from '../phi/audit-actor.js';
import { PROFILE_RECORD_TYPE, RECORD_FIELDS } from '../phi/record-fields.js';
import { SensitiveFields } from '../phi/sensitive-fields.js';
import type { ProfileService } from '../profile/profile-service.js';

const PAGE_SIZE = 200;

/**
 * Builds the data export of GDPR Article 20: the account, its memberships, its profile in every
 * tenant with the sensitive fields decrypted, and the PHI records of its personal tenant. Records
 * of organization tenants belong to the organization (its patients or clients), so they are not
 * part of a member's export. Each tenant whose data is decrypted gets a `phi.export` audit event
 * before anything is returned.
 */
export class ExportService {
  readonly #recordFields: SensitiveFields<keyof typeof RECORD_FIELDS>;

  constructor(
    private readonly store: PhiStore,
    private readonly accounts: AccountRepository,
    private readonly profiles: ProfileService,
  ) {
    this.#recordFields = new SensitiveFields(store, RECORD_FIELDS);
  }

  async export(principal: Principal) {
    const user = await this.accounts.findUserById(principal.userId);
    if (user === undefined) {
      throw unauthorized('account_not_found', 'The account of this token no longer exists; log in again');
    }
    const memberships = await this.accounts.listMemberships(principal.userId);
    const events: AuditEventInput[] = [];

    const profiles = [];
    for (const membership of memberships) {
      const profile = await this.profiles.decryptForExport(membership.tenantId, principal.userId);
      if (profile === undefined) {
        continue;
      }
      profiles.push({
        tenantId: membership.tenantId,
        displayName: profile.row.displayName,
        headline: profile.row.headline,
        bio: profile.row.bio,
        ...profile.values,
      });
      if (profile.row.phiRecordId !== null) {
        events.push(this.#event(principal, membership.tenantId, 'user_profile', profile.keyVersion, 1));
      }
    }

    const personal = memberships.find((m) => m.tenantKind === 'personal' && m.role === 'owner');
    const records = [];
    if (personal !== undefined) {
      let afterId: string | undefined;
      for (;;) {
        const page = await this.store.records.listPage(personal.tenantId, { afterId, limit: PAGE_SIZE });
        for (const record of page) {
          afterId = record.id;
          if (record.recordType === PROFILE_RECORD_TYPE) {
            continue;
          }
          const decrypted = await this.#recordFields.decrypt(record);
          records.push({
            id: record.id,
            recordType: record.recordType,
            fields: decrypted.values,
            createdAt: record.createdAt.toISOString(),
            updatedAt: record.updatedAt.toISOString(),
          });
        }
        if (page.length < PAGE_SIZE) {
          break;
        }
      }
      if (records.length > 0) {
        events.push(this.#event(principal, personal.tenantId, 'phi_record', null, records.length));
      }
    }

    await this.store.audit.append(events);
    return {
      exportedAt: new Date(this.store.clock()).toISOString(),
      account: {
        id: user.id,
        email: user.email,
        displayName: user.displayName,
        createdAt: user.createdAt.toISOString(),
      },
      memberships: memberships.map((m) => ({
        tenantId: m.tenantId,
        tenantName: m.tenantName,
        tenantKind: m.tenantKind,
        role: m.role,
      })),
      profiles,
      records,
    };
  }

  #event(
    principal: Principal,
    tenantId: string,
    resourceType: string,
    keyVersion: number | null,
    count: number,
  ): AuditEventInput {
    return {
      tenantId,
      actor: actorOf(principal),
      action: 'phi.export',
      resource: { type: resourceType, id: principal.userId },
      purpose: 'data_portability',
      outcome: 'success',
      keyVersion,
      details: { count },
    };
  }
}
