import type { TenantKeyring } from './tenant-keyring.js';

export interface KeyCacheOptions {
  /** Tenants whose unwrapped keys stay in memory; the least recently used is dropped first. */
  maxTenants: number;
  /**
   * Milliseconds an entry is used before it is reloaded. This bounds how long a replica keeps
   * using keys after another replica rotated, retired or shredded them.
   */
  ttlMs: number;
}

/**
 * A bounded LRU map of unwrapped tenant keyrings with a TTL and a generation per tenant.
 *
 * Evicted or expired entries are dropped without zeroing, because an operation that took the
 * ring before an await may still be using it. The garbage collector frees them. Only
 * `invalidate(..., { destroy: true })` (shred) and `clear` zero key material.
 */
export class TenantKeyCache {
  readonly #options: KeyCacheOptions;
  readonly #entries = new Map<string, TenantKeyring>();
  readonly #generations = new Map<string, number>();
  /** Tenant at the end of the LRU order, so repeated hits on it skip reordering the Map. */
  #mostRecent: string | undefined;

  constructor(options: KeyCacheOptions) {
    this.#options = options;
  }

  get(tenantId: string, now: number): TenantKeyring | undefined {
    const ring = this.#entries.get(tenantId);
    if (ring === undefined) {
      return undefined;
    }
    if (ring.destroyed || now - ring.loadedAt >= this.#options.ttlMs) {
      this.#entries.delete(tenantId);
      this.#mostRecent = undefined;
      return undefined;
    }
    if (this.#mostRecent !== tenantId) {
      this.#entries.delete(tenantId);
      this.#entries.set(tenantId, ring);
      this.#mostRecent = tenantId;
    }
    return ring;
  }

  /** Returns a counter that changes whenever the tenant's entry is invalidated. */
  generation(tenantId: string): number {
    return this.#generations.get(tenantId) ?? 0;
  }

  /** Stores `ring` unless the tenant was invalidated after `generation` was read; returns whether it was stored. */
  set(ring: TenantKeyring, generation: number): boolean {
    if (this.generation(ring.tenantId) !== generation) {
      return false;
    }
    this.#entries.delete(ring.tenantId);
    this.#entries.set(ring.tenantId, ring);
    this.#mostRecent = ring.tenantId;
    while (this.#entries.size > this.#options.maxTenants) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) {
        break;
      }
      this.#entries.delete(oldest.value);
    }
    return true;
  }

  /** Drops the tenant's entry and makes loads that are in flight discard their result. */
  invalidate(tenantId: string, options: { destroy?: boolean } = {}): void {
    this.#generations.set(tenantId, this.generation(tenantId) + 1);
    const ring = this.#entries.get(tenantId);
    this.#entries.delete(tenantId);
    this.#mostRecent = undefined;
    if (options.destroy === true) {
      ring?.destroy();
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Zeroes and drops every entry. */
  clear(): void {
    for (const ring of this.#entries.values()) {
      ring.destroy();
    }
    this.#entries.clear();
    this.#mostRecent = undefined;
  }
}
