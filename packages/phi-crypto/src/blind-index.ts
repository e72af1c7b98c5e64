import { createHmac } from 'node:crypto';
import { type BatchItemResult, type BatchOptions, runInSlices } from './batch.js';
import { PhiCryptoError, requireArgument } from './errors.js';
import type { KeyManager } from './keys/key-manager.js';
import type { IndexKey } from './keys/key-material.js';
import { type NormalizeOptions, PHI_TYPES, type PhiType } from './masking/index.js';

export interface BlindIndexTarget {
  tenantId: string;
  /**
   * Name of the indexed column, such as `patient_profile.ssn`. Each name gets its own HMAC key,
   * so equal values in two fields have unrelated indexes.
   */
  field: string;
  /** PHI type whose canonical index form is hashed; without it the value is hashed as given (after NFC). */
  type?: PhiType;
  normalize?: NormalizeOptions;
}

export interface BlindIndexerOptions {
  keys: KeyManager;
  /**
   * Bits of the HMAC-SHA256 output kept, a multiple of 8 from 32 to 256; default 256. Fewer bits
   * add false positives (filter candidates after decrypting) and so leak less about equal values.
   */
  bits?: number;
}

/**
 * Computes blind indexes: HMAC-SHA256 of a value's normalized form under a key derived per tenant
 * and field from the tenant's index key, which is random and separate from its data keys. The
 * output `bi<version>_<base64url>` names the index key version, so lookups during an index key
 * rotation can try every active version. An index reveals which rows hold equal values; it
 * supports exact-match lookups only.
 */
export class BlindIndexer {
  readonly #keys: KeyManager;
  readonly #bytes: number;

  /** Bits of each index, from `BlindIndexerOptions.bits`. */
  get bits(): number {
    return this.#bytes * 8;
  }

  constructor(options: BlindIndexerOptions) {
    this.#keys = options.keys;
    const bits = options.bits ?? 256;
    requireArgument(
      Number.isInteger(bits) && bits % 8 === 0 && bits >= 32 && bits <= 256,
      `bits must be a multiple of 8 from 32 to 256, got ${bits}`,
      'bits',
    );
    this.#bytes = bits / 8;
  }

  /** Returns the index of `value` under the tenant's newest index key, to store beside the ciphertext. */
  async compute(target: BlindIndexTarget, value: string): Promise<string> {
    const input = indexInput(target, value);
    const { current } = await this.#keys.indexKeys(target.tenantId);
    return this.#hmac(current, target.field, input);
  }

  /**
   * Returns the indexes of `value` under every active index key, newest first, for a lookup
   * (`WHERE ssn_index = ANY($1)`) that must also find rows indexed before an index key rotation.
   */
  async lookupCandidates(target: BlindIndexTarget, value: string): Promise<string[]> {
    const input = indexInput(target, value);
    const { active } = await this.#keys.indexKeys(target.tenantId);
    return active.map((key) => this.#hmac(key, target.field, input));
  }

  /** Computes many indexes for one field, yielding to the event loop between slices. */
  computeBatch(
    target: BlindIndexTarget,
    values: readonly string[],
    options?: BatchOptions,
  ): Promise<Array<BatchItemResult<string>>> {
    return runInSlices(values, (value) => this.compute(target, value), options);
  }

  #hmac(key: IndexKey, field: string, input: string): string {
    const digest = createHmac('sha256', key.fieldKey(field)).update(input, 'utf8').digest();
    return `bi${key.version}_${digest.subarray(0, this.#bytes).toString('base64url')}`;
  }
}

function indexInput(target: BlindIndexTarget, value: string): string {
  requireArgument(
    typeof target.field === 'string' && target.field.length > 0,
    'field must not be empty',
    'field',
  );
  if (target.type !== undefined) {
    const spec = PHI_TYPES[target.type];
    return spec.indexForm(spec.normalize(value, target.field, target.normalize ?? {}));
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new PhiCryptoError('empty_value', `${target.field} is empty; a blind index needs a value`, {
      field: target.field,
    });
  }
  return value.normalize('NFC');
}
