import {
  decryptLegacy,
  isLegacyCiphertext,
  normalizePhi,
  PHI_TYPES,
  type PhiType,
  readKeyVersion,
} from '@skillancer/phi-crypto';
import {
  type BlindIndexEntry,
  blindIndexField,
  type PhiRecord,
  type PhiStore,
  recordFieldContext,
} from '@skillancer/phi-store';

/** Validation, display and indexing rules of one sensitive field. */
export interface SensitiveFieldSpec {
  /** Validates a value and returns its canonical form; the error names `label` and never the value. */
  normalize(value: string, label: string): string;
  /** Display form of a canonical value that hides all but the parts the type allows. */
  mask(canonical: string): string;
  /** PHI type whose index form feeds the blind index; set only for searchable fields. */
  indexType?: PhiType;
}

/** Returns the rules of a field of one of the PHI types of @skillancer/phi-crypto, optionally searchable. */
export function phiTypeField(type: PhiType, options: { searchable?: boolean } = {}): SensitiveFieldSpec {
  return {
    normalize: (value, label) => normalizePhi(type, value, { field: label }),
    mask: (canonical) => PHI_TYPES[type].mask(canonical, {}),
    ...(options.searchable === true ? { indexType: type } : {}),
  };
}

/** Plaintext values by field name, always in canonical form. */
export type FieldValues<N extends string> = Partial<Record<N, string>>;

export interface EncryptedFields {
  ciphertexts: Record<string, string>;
  indexes: BlindIndexEntry[];
  /** Highest data key version used, for the audit event. */
  keyVersion: number | null;
}

/**
 * Encrypts, decrypts and masks the sensitive fields of one kind of PHI record. Each value is
 * normalized first, so equal values get equal blind indexes, and encrypted under the record's
 * field context, so a ciphertext copied to another record, field or tenant fails to decrypt.
 */
export class SensitiveFields<N extends string> {
  constructor(
    private readonly store: PhiStore,
    readonly specs: Readonly<Record<N, SensitiveFieldSpec>>,
  ) {}

  /** Validates every value before encrypting any, so a 400 names the first invalid field and writes nothing. */
  normalize(values: Partial<Record<N, string>>, labelPrefix: string): FieldValues<N> {
    const canonical: FieldValues<N> = {};
    for (const name of Object.keys(values) as N[]) {
      const value = values[name];
      if (value !== undefined) {
        canonical[name] = this.specs[name].normalize(value, `${labelPrefix}${name}`);
      }
    }
    return canonical;
  }

  /** Encrypts canonical values for a record and computes the blind indexes of searchable fields. */
  async encrypt(
    record: { tenantId: string; recordType: string; id: string },
    canonical: FieldValues<N>,
  ): Promise<EncryptedFields> {
    const result: EncryptedFields = { ciphertexts: {}, indexes: [], keyVersion: null };
    for (const name of Object.keys(canonical) as N[]) {
      const value = canonical[name];
      if (value === undefined) {
        continue;
      }
      const ciphertext = await this.store.encryptor.encrypt(recordFieldContext(record, name), value);
      result.ciphertexts[name] = ciphertext;
      result.keyVersion = Math.max(result.keyVersion ?? 0, readKeyVersion(ciphertext));
      const indexType = this.specs[name].indexType;
      if (indexType !== undefined) {
        const blindIndex = await this.store.indexer.compute(
          { tenantId: record.tenantId, field: blindIndexField(name), type: indexType },
          value,
        );
        result.indexes.push({ field: name, phiType: indexType, blindIndex });
      }
    }
    return result;
  }

  /** Decrypts the record's known fields (all, or the listed ones); returns them with the highest key version. */
  async decrypt(
    record: PhiRecord,
    only?: readonly N[],
  ): Promise<{ values: FieldValues<N>; keyVersion: number | null; fields: N[] }> {
    const values: FieldValues<N> = {};
    const fields: N[] = [];
    let keyVersion: number | null = null;
    for (const [name, stored] of Object.entries(record.fields)) {
      if (!this.isField(name) || (only !== undefined && !only.includes(name))) {
        continue;
      }
      fields.push(name);
      if (isLegacyCiphertext(stored)) {
        // Written by the earlier service and not yet rewritten by `migrateLegacyRecords`; each
        // read costs one PBKDF2 derivation.
        values[name] = await decryptLegacy(this.store.masterKeys, { tenantId: record.tenantId, stored });
        continue;
      }
      values[name] = await this.store.encryptor.decrypt(recordFieldContext(record, name), stored);
      keyVersion = Math.max(keyVersion ?? 0, readKeyVersion(stored));
    }
    return { values, keyVersion, fields };
  }

  /**
   * Returns the masked form of each value. Values are normalized again first (a no-op for
   * canonical ones), because values written by the earlier service were stored as entered; a value
   * that does not normalize is masked completely.
   */
  mask(values: FieldValues<N>): FieldValues<N> {
    const masked: FieldValues<N> = {};
    for (const name of Object.keys(values) as N[]) {
      const value = values[name];
      if (value === undefined) {
        continue;
      }
      const spec = this.specs[name];
      try {
        masked[name] = spec.mask(spec.normalize(value, name));
      } catch {
        masked[name] = '***';
      }
    }
    return masked;
  }

  isField(name: string): name is N {
    return Object.hasOwn(this.specs, name);
  }
}
