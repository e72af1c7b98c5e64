import { createKeyVersion, type LifecycleContext } from './key-lifecycle.js';
import type { TenantKeyring } from './tenant-keyring.js';

/**
 * Reserves encryptions in blocks in the repository's usage counter before they are used, so the
 * stored count is an upper bound of real use, and rotates a data key whose count crosses the
 * threshold.
 */
export class UsageReservations {
  readonly #context: LifecycleContext;
  readonly #blockSize: number;
  readonly #rotateAfter: number;
  readonly #pending = new Map<string, Promise<void>>();

  constructor(context: LifecycleContext, blockSize: number, rotateAfter: number) {
    this.#context = context;
    this.#blockSize = blockSize;
    this.#rotateAfter = rotateAfter;
  }

  /** Reserves a block for one key version of `ring`; concurrent callers share one round trip. */
  reserve(ring: TenantKeyring, version: number): Promise<void> {
    const id = `${ring.tenantId}\u0000${version}`;
    let pending = this.#pending.get(id);
    if (pending === undefined) {
      pending = this.#reserve(ring, version).finally(() => this.#pending.delete(id));
      this.#pending.set(id, pending);
    }
    return pending;
  }

  async #reserve(ring: TenantKeyring, version: number): Promise<void> {
    const tenantId = ring.tenantId;
    const key = { tenantId, purpose: 'data' as const, version };
    const total = await this.#context.repository.incrementUsage(key, this.#blockSize);
    if (total <= this.#rotateAfter) {
      ring.addReservedUses(version, this.#blockSize);
      return;
    }
    // The block crosses the threshold, so it is not used and the key rotates. The first replica to
    // get here inserts version + 1 and the others find it. Every replica whose cache still has
    // this version switches as soon as it reserves its next block.
    await createKeyVersion(this.#context, tenantId, 'data', version + 1, 'usage_limit');
    this.#context.invalidate(tenantId);
  }
}
