import { randomUUID } from 'node:crypto';
import {
  type AuditEventInput,
  blindIndexField,
  type PhiRecord,
  type PhiStore,
  type RecordTypeFilter,
} from '@skillancer/phi-store';
import { notFound, type Principal } from '@skillancer/service-kit';
import { actorOf } from './audit-actor.js';
import {
  DEFAULT_RECORD_TYPE,
  PROFILE_RECORD_TYPE,
  RECORD_FIELD_TYPES,
  RECORD_FIELDS,
  type RecordFieldName,
  type RevealPurpose,
} from './record-fields.js';
import { type FieldValues, SensitiveFields } from './sensitive-fields.js';

/** A record as the API returns it: masked values only. */
export interface MaskedRecord {
  id: string;
  recordType: string;
  fields: FieldValues<RecordFieldName>;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The records API manages every record type except the one profiles use. */
const API_RECORDS: RecordTypeFilter = { excludeTypes: [PROFILE_RECORD_TYPE] };
const SEARCH_LIMIT_MAX = 100;

/**
 * PHI records of the caller's tenant. Every operation records an audit event before it returns:
 * writes in the same transaction as the data, reads before any value leaves the service, so an
 * access the audit trail cannot record fails (fail-closed) instead of going unrecorded.
 */
export class PhiRecordService {
  readonly #store: PhiStore;
  readonly #fields: SensitiveFields<RecordFieldName>;

  constructor(store: PhiStore) {
    this.#store = store;
    this.#fields = new SensitiveFields(store, RECORD_FIELDS);
  }

  async create(
    principal: Principal,
    input: { recordType?: string; fields: Partial<Record<RecordFieldName, string>> },
  ): Promise<MaskedRecord> {
    const canonical = this.#fields.normalize(input.fields, 'fields.');
    const record = {
      id: randomUUID(),
      tenantId: principal.tenantId,
      recordType: input.recordType ?? DEFAULT_RECORD_TYPE,
    };
    const encrypted = await this.#fields.encrypt(record, canonical);
    const stored = await this.#store.db.transaction(async (tx) => {
      const inserted = await this.#store.records.insert(
        { ...record, fields: encrypted.ciphertexts, createdBy: principal.userId },
        encrypted.indexes,
        tx,
      );
      await this.#store.audit.append(
        this.#event(principal, 'phi.encrypt', record.id, {
          purpose: 'record_create',
          keyVersion: encrypted.keyVersion,
          fields: Object.keys(canonical),
        }),
        { tx },
      );
      return inserted;
    });
    return this.#view(stored, this.#fields.mask(canonical));
  }

  /** Sets fields to new values and removes those given as null; returns the masked record. */
  async update(
    principal: Principal,
    id: string,
    changes: Partial<Record<RecordFieldName, string | null>>,
  ): Promise<MaskedRecord> {
    const existing = await this.#require(principal, id);
    const toSet: Partial<Record<RecordFieldName, string>> = {};
    const toUnset: RecordFieldName[] = [];
    for (const name of Object.keys(changes) as RecordFieldName[]) {
      const value = changes[name];
      if (value === null) {
        toUnset.push(name);
      } else if (value !== undefined) {
        toSet[name] = value;
      }
    }
    const canonical = this.#fields.normalize(toSet, 'fields.');
    const encrypted = await this.#fields.encrypt(existing, canonical);
    const updated = await this.#store.db.transaction(async (tx) => {
      const result = await this.#store.records.update(
        principal.tenantId,
        id,
        { set: encrypted.ciphertexts, unset: toUnset, indexes: encrypted.indexes },
        API_RECORDS,
        tx,
      );
      if (result !== undefined) {
        await this.#store.audit.append(
          this.#event(principal, 'phi.encrypt', id, {
            purpose: 'record_update',
            keyVersion: encrypted.keyVersion,
            fields: Object.keys(canonical),
            removed: toUnset,
          }),
          { tx },
        );
      }
      return result;
    });
    if (updated === undefined) {
      throw notFound('The PHI record');
    }
    return this.#readMasked(principal, updated);
  }

  async getMasked(principal: Principal, id: string): Promise<MaskedRecord> {
    return this.#readMasked(principal, await this.#require(principal, id));
  }

  /**
   * Returns plaintext values after recording a `phi.reveal` event with the stated purpose. If the
   * event cannot be stored, nothing is returned. A decryption failure is recorded as a failed reveal.
   */
  async reveal(
    principal: Principal,
    id: string,
    request: { purpose: RevealPurpose; fields?: readonly RecordFieldName[] },
  ): Promise<{ id: string; fields: FieldValues<RecordFieldName> }> {
    const record = await this.#require(principal, id);
    let decrypted: Awaited<ReturnType<SensitiveFields<RecordFieldName>['decrypt']>>;
    try {
      decrypted = await this.#fields.decrypt(record, request.fields);
    } catch (error) {
      await this.#store.audit
        .append(this.#event(principal, 'phi.reveal', id, { purpose: request.purpose, outcome: 'failure' }))
        .catch(() => undefined);
      throw error;
    }
    await this.#store.audit.append(
      this.#event(principal, 'phi.reveal', id, {
        purpose: request.purpose,
        keyVersion: decrypted.keyVersion,
        fields: decrypted.fields,
      }),
    );
    return { id, fields: decrypted.values };
  }

  /** Records a reveal that was rejected for lack of permission; the caller then returns 403. */
  async recordDeniedReveal(principal: Principal, id: string, purpose: string): Promise<void> {
    const record = await this.#store.records.get(principal.tenantId, id, API_RECORDS);
    if (record !== undefined) {
      await this.#store.audit.append(
        this.#event(principal, 'phi.reveal', id, { purpose, outcome: 'denied' }),
      );
    }
  }

  /** Finds records whose `field` equals `value` after normalization, through the blind index. */
  async search(
    principal: Principal,
    request: { field: RecordFieldName; value: string; limit?: number },
  ): Promise<MaskedRecord[]> {
    const canonical = RECORD_FIELDS[request.field].normalize(request.value, 'value');
    const candidates = await this.#store.indexer.lookupCandidates(
      {
        tenantId: principal.tenantId,
        field: blindIndexField(request.field),
        type: RECORD_FIELD_TYPES[request.field],
      },
      canonical,
    );
    const found = await this.#store.records.findByBlindIndex(principal.tenantId, request.field, candidates, {
      ...API_RECORDS,
      limit: Math.min(request.limit ?? 20, SEARCH_LIMIT_MAX),
    });
    const results: MaskedRecord[] = [];
    const events: AuditEventInput[] = [
      {
        ...this.#event(principal, 'phi.search', request.field, { purpose: 'record_search' }),
        resource: { type: 'phi_record_field', id: request.field },
        details: { matches: found.length },
      },
    ];
    for (const record of found) {
      const decrypted = await this.#fields.decrypt(record);
      events.push(
        this.#event(principal, 'phi.decrypt', record.id, {
          purpose: 'display_masked',
          keyVersion: decrypted.keyVersion,
          fields: decrypted.fields,
        }),
      );
      results.push(this.#view(record, this.#fields.mask(decrypted.values)));
    }
    await this.#store.audit.append(events);
    return results;
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const deleted = await this.#store.db.transaction(async (tx) => {
      const removed = await this.#store.records.delete(principal.tenantId, id, API_RECORDS, tx);
      if (removed) {
        await this.#store.audit.append(
          this.#event(principal, 'phi.delete', id, { purpose: 'record_delete' }),
          {
            tx,
          },
        );
      }
      return removed;
    });
    if (!deleted) {
      throw notFound('The PHI record');
    }
  }

  async #require(principal: Principal, id: string): Promise<PhiRecord> {
    const record = await this.#store.records.get(principal.tenantId, id, API_RECORDS);
    if (record === undefined) {
      throw notFound('The PHI record');
    }
    return record;
  }

  async #readMasked(principal: Principal, record: PhiRecord): Promise<MaskedRecord> {
    const decrypted = await this.#fields.decrypt(record);
    await this.#store.audit.append(
      this.#event(principal, 'phi.decrypt', record.id, {
        purpose: 'display_masked',
        keyVersion: decrypted.keyVersion,
        fields: decrypted.fields,
      }),
    );
    return this.#view(record, this.#fields.mask(decrypted.values));
  }

  #view(record: PhiRecord, masked: FieldValues<RecordFieldName>): MaskedRecord {
    return {
      id: record.id,
      recordType: record.recordType,
      fields: masked,
      createdBy: record.createdBy,
      createdAt: record.createdAt.toISOString(),
      updatedAt: record.updatedAt.toISOString(),
    };
  }

  #event(
    principal: Principal,
    action: string,
    recordId: string,
    options: {
      purpose: string;
      outcome?: AuditEventInput['outcome'];
      keyVersion?: number | null;
      fields?: readonly string[];
      removed?: readonly string[];
    },
  ): AuditEventInput {
    return {
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      action,
      resource: { type: 'phi_record', id: recordId },
      purpose: options.purpose,
      outcome: options.outcome ?? 'success',
      keyVersion: options.keyVersion ?? null,
      ...(options.fields === undefined && options.removed === undefined
        ? {}
        : {
            details: {
              ...(options.fields === undefined ? {} : { fields: [...options.fields] }),
              ...(options.removed === undefined ? {} : { removed: [...options.removed] }),
            },
          }),
    };
  }
}
