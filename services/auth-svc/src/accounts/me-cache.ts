import type { MembershipRecord, UserRecord } from './account-repository.js';

type Me = { user: UserRecord; membership: MembershipRecord };

/**
 * Recently read `/auth/me` responses per user and tenant, kept for a few seconds so that clients
 * polling it do not each cost a database read. Changes made through this process call `forget`;
 * another replica may serve a response up to `ttlMs` old.
 */
export class MeCache {
  private readonly entries = new Map<string, { value: Me; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly capacity = 10_000,
  ) {}

  async get(userId: string, tenantId: string, load: () => Promise<Me | undefined>): Promise<Me | undefined> {
    const key = `${userId}:${tenantId}`;
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.value;
    const value = await load();
    this.entries.delete(key);
    if (value) {
      this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
      if (this.entries.size > this.capacity) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return value;
  }

  forget(userId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${userId}:`)) this.entries.delete(key);
  }
}
