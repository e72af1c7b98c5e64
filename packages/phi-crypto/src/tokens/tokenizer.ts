import { randomBytes } from 'node:crypto';
import type { BatchItemResult } from '../batch.js';
import type { BlindIndexer } from '../blind-index.js';
import { PhiCryptoError, requireArgument } from '../errors.js';
import type { FieldEncryptor } from '../field-encryptor.js';
import type { FieldContext } from '../format/field-context.js';
import { observeCall } from '../keys/observed-repository.js';
import { type NormalizeOptions, PHI_TYPES, type PhiType } from '../masking/index.js';
import type { DependencyObserver } from '../observer.js';
import type { TokenRecord, TokenVault } from './token-vault.js';

const TOKEN_PATTERN = /^tok_[A-Za-z0-9_-]{22}$/;
/**
 * Record type bound into the associated data of vault ciphertexts. It also prefixes the field name
 * of the vault's blind index, so vault rows cannot be joined to a column index of the same field.
 */
export const TOKEN_RECORD_TYPE = 'phi_token';

/** Returns a new token: `tok_` + 128 random bits in base64url. It is unrelated to any value. */
export function generateToken(): string {
  return `tok_${randomBytes(16).toString('base64url')}`;
}

export function isToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export interface TokenizerOptions {
  vault: TokenVault;
  encryptor: FieldEncryptor;
  indexer: BlindIndexer;
  clock?: () => number;
  /** Called once per vault call. */
  observer?: DependencyObserver;
}

export interface TokenizeTarget {
  tenantId: string;
  /** Field the values belong to, such as `patient_profile.ssn`; tokens of one field never match another's. */
  field: string;
  type: PhiType;
  normalize?: NormalizeOptions;
}

/**
 * Replaces PHI values with random tokens and back. The same normalized value in the same tenant
 * and field always gets the same token (found through a blind index), so tokens can be joined on;
 * the token itself carries no information about the value.
 */
export class Tokenizer {
  readonly #vault: TokenVault;
  readonly #encryptor: FieldEncryptor;
  readonly #indexer: BlindIndexer;
  readonly #clock: () => number;
  readonly #observer: DependencyObserver | undefined;

  constructor(options: TokenizerOptions) {
    requireArgument(
      options.indexer.bits === 256,
      `the tokenizer needs a full 256-bit blind index, got ${options.indexer.bits} bits; truncated indexes ` +
        'collide, and a collision would hand out the token of another value',
      'indexer',
    );
    this.#vault = options.vault;
    this.#encryptor = options.encryptor;
    this.#indexer = options.indexer;
    this.#clock = options.clock ?? Date.now;
    this.#observer = options.observer;
  }

  /**
   * Returns a token per value, in input order. Values that fail validation get an `invalid_<type>`
   * error in their slot; the others are tokenized with one vault lookup and one insert.
   */
  async tokenizeBatch(
    target: TokenizeTarget,
    values: readonly string[],
  ): Promise<Array<BatchItemResult<string>>> {
    const spec = PHI_TYPES[target.type];
    const results: Array<BatchItemResult<string> | undefined> = values.map(() => undefined);
    const pending: Array<{ slot: number; canonical: string; candidates: string[] }> = [];

    for (const [slot, value] of values.entries()) {
      try {
        const canonical = spec.normalize(value, target.field, target.normalize ?? {});
        const candidates = await this.#indexer.lookupCandidates(
          { ...target, field: `${TOKEN_RECORD_TYPE}/${target.field}` },
          canonical,
        );
        pending.push({ slot, canonical, candidates });
      } catch (error) {
        results[slot] = { ok: false, error: asPhiError(error) };
      }
    }

    const allCandidates = [...new Set(pending.flatMap((p) => p.candidates))];
    const found =
      allCandidates.length === 0
        ? new Map<string, string>()
        : await observeCall('token_vault.find_by_index', this.#observer, () =>
            this.#vault.findTokensByIndex(target.tenantId, target.field, allCandidates),
          );

    const toInsert: TokenRecord[] = [];
    const insertSlots: number[][] = [];
    const newByIndex = new Map<string, number>();
    for (const item of pending) {
      const existing = item.candidates.map((c) => found.get(c)).find((t) => t !== undefined);
      if (existing !== undefined) {
        results[item.slot] = { ok: true, value: existing };
        continue;
      }
      const blindIndex = item.candidates[0] ?? '';
      const repeated = newByIndex.get(blindIndex);
      if (repeated !== undefined) {
        insertSlots[repeated]?.push(item.slot);
        continue;
      }
      const token = generateToken();
      const context: FieldContext = {
        tenantId: target.tenantId,
        recordType: TOKEN_RECORD_TYPE,
        recordId: token,
        field: target.field,
      };
      const ciphertext = await this.#encryptor.encrypt(context, item.canonical);
      newByIndex.set(blindIndex, toInsert.length);
      insertSlots.push([item.slot]);
      toInsert.push({
        tenantId: target.tenantId,
        field: target.field,
        token,
        blindIndex,
        ciphertext,
        createdAt: new Date(this.#clock()),
      });
    }

    if (toInsert.length > 0) {
      const stored = await observeCall('token_vault.insert', this.#observer, () =>
        this.#vault.insertTokens(toInsert),
      );
      for (const [index, slots] of insertSlots.entries()) {
        const token = stored[index];
        for (const slot of slots) {
          results[slot] =
            token === undefined
              ? { ok: false, error: vaultError(`the token vault returned no token for item ${index}`) }
              : { ok: true, value: token };
        }
      }
    }
    return results.map((r) => r ?? { ok: false, error: vaultError('an item was left without a result') });
  }

  async tokenize(target: TokenizeTarget, value: string): Promise<string> {
    const [result] = await this.tokenizeBatch(target, [value]);
    return unwrapResult(result);
  }

  /**
   * Returns the canonical value per token, in input order. A token that is malformed, unknown for
   * the tenant or, when `field` is given, issued for another field fails in its own slot.
   */
  async detokenizeBatch(
    tenantId: string,
    tokens: readonly string[],
    options: { field?: string } = {},
  ): Promise<Array<BatchItemResult<string>>> {
    requireArgument(
      typeof tenantId === 'string' && tenantId.length > 0,
      'tenantId must not be empty',
      'tenantId',
    );
    const wellFormed = tokens.filter(isToken);
    const records =
      wellFormed.length === 0
        ? []
        : await observeCall('token_vault.get', this.#observer, () =>
            this.#vault.getTokens(tenantId, wellFormed),
          );
    const byToken = new Map(records.map((r) => [r.token, r]));

    const results: Array<BatchItemResult<string>> = [];
    for (const token of tokens) {
      try {
        results.push({
          ok: true,
          value: await this.#reveal(tenantId, token, byToken.get(token), options.field),
        });
      } catch (error) {
        results.push({ ok: false, error: asPhiError(error) });
      }
    }
    return results;
  }

  async detokenize(tenantId: string, token: string, options: { field?: string } = {}): Promise<string> {
    const [result] = await this.detokenizeBatch(tenantId, [token], options);
    return unwrapResult(result);
  }

  async #reveal(
    tenantId: string,
    token: string,
    record: TokenRecord | undefined,
    field: string | undefined,
  ): Promise<string> {
    if (!isToken(token)) {
      throw new PhiCryptoError('invalid_token', 'a token must be tok_ followed by 22 base64url characters', {
        field: field ?? 'token',
      });
    }
    if (record === undefined || (field !== undefined && record.field !== field)) {
      throw new PhiCryptoError(
        'token_not_found',
        `token ${token} does not exist for tenant ${tenantId}${field === undefined ? '' : ` in field ${field}`}`,
        { field: field ?? 'token', details: { tenantId } },
      );
    }
    const context = { tenantId, recordType: TOKEN_RECORD_TYPE, recordId: token, field: record.field };
    return this.#encryptor.decrypt(context, record.ciphertext);
  }
}

function asPhiError(error: unknown): PhiCryptoError {
  if (error instanceof PhiCryptoError) {
    return error;
  }
  throw error;
}

function vaultError(message: string): PhiCryptoError {
  return new PhiCryptoError('key_repository_failed', `${message}; the TokenVault implementation is broken`);
}

function unwrapResult(result: BatchItemResult<string> | undefined): string {
  if (result === undefined) {
    throw vaultError('the batch returned no result');
  }
  if (!result.ok) {
    throw result.error;
  }
  return result.value;
}
