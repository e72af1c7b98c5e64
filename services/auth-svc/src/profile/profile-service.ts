import { randomUUID } from 'node:crypto';
import type { AuditEventInput, PhiRecord, PhiStore } from '@skillancer/phi-store';
import { notFound, type Principal, unauthorized } from '@skillancer/service-kit';
import { actorOf } from '../phi/audit-actor.js';
import { PROFILE_RECORD_TYPE } from '../phi/record-fields.js';
import { type FieldValues, SensitiveFields } from '../phi/sensitive-fields.js';
import { PROFILE_FIELDS, type ProfileFieldName } from './profile-fields.js';
import type { ProfileRepository, ProfileRow } from './profile-repository.js';

/** A profile as `GET /profile` returns it: sensitive fields masked, or null when unset. */
export interface ProfileView {
  userId: string;
  tenantId: string;
  displayName: string;
  headline: string | null;
  bio: string | null;
  phone: string | null;
  dateOfBirth: string | null;
  address: string | null;
  taxId: string | null;
  updatedAt: string | null;
}

export interface ProfileChange {
  displayName?: string;
  headline?: string | null;
  bio?: string | null;
  phone?: string | null;
  dateOfBirth?: string | null;
  address?: string | null;
  taxId?: string | null;
}

const ONLY_PROFILES = { onlyType: PROFILE_RECORD_TYPE };

/**
 * The caller's profile in the tenant of the token. Display name, headline and bio are plaintext.
 * Phone, date of birth, address and tax id live in a PHI record of type `user_profile`, encrypted
 * under the tenant's keys, and every read or write of them is audited.
 */
export class ProfileService {
  readonly #fields: SensitiveFields<ProfileFieldName>;

  constructor(
    private readonly store: PhiStore,
    private readonly repository: ProfileRepository,
  ) {
    this.#fields = new SensitiveFields(store, PROFILE_FIELDS);
  }

  async get(principal: Principal): Promise<ProfileView> {
    const row = await this.#requireRow(principal);
    const record = await this.#record(principal, row);
    return this.#view(principal, row, record);
  }

  async update(principal: Principal, change: ProfileChange): Promise<ProfileView> {
    const row = await this.#requireRow(principal);
    const toSet: Partial<Record<ProfileFieldName, string>> = {};
    const toUnset: ProfileFieldName[] = [];
    for (const name of Object.keys(PROFILE_FIELDS) as ProfileFieldName[]) {
      const value = change[name];
      if (value === null) {
        toUnset.push(name);
      } else if (value !== undefined) {
        toSet[name] = value;
      }
    }
    const canonical = this.#fields.normalize(toSet, '');
    const existing = await this.#record(principal, row);
    const recordRef = {
      id: existing?.id ?? randomUUID(),
      tenantId: principal.tenantId,
      recordType: PROFILE_RECORD_TYPE,
    };
    const sensitiveChange = Object.keys(canonical).length > 0 || toUnset.length > 0;
    const encrypted = sensitiveChange ? await this.#fields.encrypt(recordRef, canonical) : undefined;

    await this.store.db.transaction(async (tx) => {
      if (change.displayName !== undefined) {
        await this.repository.setDisplayName(tx, principal.userId, change.displayName);
      }
      if (encrypted !== undefined) {
        if (existing === undefined) {
          await this.store.records.insert(
            { ...recordRef, fields: encrypted.ciphertexts, createdBy: principal.userId },
            [],
            tx,
          );
        } else {
          await this.store.records.update(
            principal.tenantId,
            existing.id,
            { set: encrypted.ciphertexts, unset: toUnset, indexes: [] },
            ONLY_PROFILES,
            tx,
          );
        }
        await this.store.audit.append(
          this.#event(principal, 'phi.encrypt', recordRef.id, 'profile_update', encrypted.keyVersion, {
            fields: Object.keys(canonical),
            removed: toUnset,
          }),
          { tx },
        );
      }
      await this.repository.upsert(tx, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        ...(change.headline === undefined ? {} : { headline: change.headline }),
        ...(change.bio === undefined ? {} : { bio: change.bio }),
        ...(encrypted === undefined ? {} : { phiRecordId: recordRef.id }),
      });
    });
    return this.get(principal);
  }

  /** Decrypts the sensitive fields in full, for the data export; the caller records the audit event. */
  async decryptForExport(
    tenantId: string,
    userId: string,
  ): Promise<
    | {
        row: ProfileRow;
        values: FieldValues<ProfileFieldName>;
        keyVersion: number | null;
      }
    | undefined
  > {
    const row = await this.repository.find(tenantId, userId);
    if (row === undefined) {
      return undefined;
    }
    const record =
      row.phiRecordId === null
        ? undefined
        : await this.store.records.get(tenantId, row.phiRecordId, ONLY_PROFILES);
    if (record === undefined) {
      return { row, values: {}, keyVersion: null };
    }
    const decrypted = await this.#fields.decrypt(record);
    return { row, values: decrypted.values, keyVersion: decrypted.keyVersion };
  }

  async #requireRow(principal: Principal): Promise<ProfileRow> {
    const row = await this.repository.find(principal.tenantId, principal.userId);
    if (row === undefined) {
      throw unauthorized(
        'account_not_found',
        'The account of this token no longer exists or left the tenant; log in again',
      );
    }
    return row;
  }

  async #record(principal: Principal, row: ProfileRow): Promise<PhiRecord | undefined> {
    if (row.phiRecordId === null) {
      return undefined;
    }
    const record = await this.store.records.get(principal.tenantId, row.phiRecordId, ONLY_PROFILES);
    if (record === undefined) {
      throw notFound('The sensitive part of the profile');
    }
    return record;
  }

  async #view(principal: Principal, row: ProfileRow, record: PhiRecord | undefined): Promise<ProfileView> {
    let masked: FieldValues<ProfileFieldName> = {};
    if (record !== undefined) {
      const decrypted = await this.#fields.decrypt(record);
      await this.store.audit.append(
        this.#event(principal, 'phi.decrypt', record.id, 'profile_display', decrypted.keyVersion, {
          fields: decrypted.fields,
        }),
      );
      masked = this.#fields.mask(decrypted.values);
    }
    return {
      userId: row.userId,
      tenantId: row.tenantId,
      displayName: row.displayName,
      headline: row.headline,
      bio: row.bio,
      phone: masked.phone ?? null,
      dateOfBirth: masked.dateOfBirth ?? null,
      address: masked.address ?? null,
      taxId: masked.taxId ?? null,
      updatedAt: row.updatedAt?.toISOString() ?? null,
    };
  }

  #event(
    principal: Principal,
    action: string,
    recordId: string,
    purpose: string,
    keyVersion: number | null,
    details: { fields: readonly string[]; removed?: readonly string[] },
  ): AuditEventInput {
    return {
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      action,
      resource: { type: 'phi_record', id: recordId },
      purpose,
      outcome: 'success',
      keyVersion,
      details: {
        fields: [...details.fields],
        ...(details.removed === undefined ? {} : { removed: [...details.removed] }),
      },
    };
  }
}
