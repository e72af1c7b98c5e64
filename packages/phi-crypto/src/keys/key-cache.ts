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

/** A load of one tenant's keys, marked when the tenant is invalidated while the load runs. */
export interface LoadTicket {
  readonly tenantId: string;
  invalidated: boolean;
}

/**
 * A bounded LRU map of unwrapped tenant keyrings with a TTL. Loads in flight are tracked, so a
 * load that read the key rows before an invalidation never caches them.
 *
 * Evicted or expired entries are dropped without zeroing, because an operation that took the
 * ring before an await may still be using it. The garbage collector frees them. Only
 * `invalidate(..., { destroy: true })` (shred) and `clear` zero key material.
 */
export class TenantKeyCache {
  readonly #options: KeyCacheOptions;
  readonly #entries = new Map<string, TenantKeyring>();
  /** Loads in flight per tenant; an invalidation marks them so their result is not cached. */
  readonly #loads = new Map<string, Set<LoadTicket>>();
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

  /** Registers a load that is about to read the tenant's keys; pass the ticket to `set` and `endLoad`. */
  beginLoad(tenantId: string): LoadTicket {
    const ticket = { tenantId, invalidated: false };
    const tickets = this.#loads.get(tenantId) ?? new Set<LoadTicket>();
    tickets.add(ticket);
    this.#loads.set(tenantId, tickets);
    return ticket;
  }

  /** Forgets a load; call it in a `finally` after `set`. */
  endLoad(ticket: LoadTicket): void {
    const tickets = this.#loads.get(ticket.tenantId);
    tickets?.delete(ticket);
    if (tickets?.size === 0) {
      this.#loads.delete(ticket.tenantId);
    }
  }

  /** Stores `ring` unless the tenant was invalidated since `ticket` was issued; returns whether it was stored. */
  set(ring: TenantKeyring, ticket: LoadTicket): boolean {
    if (ticket.invalidated) {
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
    for (const ticket of this.#loads.get(tenantId) ?? []) {
      ticket.invalidated = true;
    }
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
