import type { Database } from '@skillancer/database';

/** An orphan volume as last seen, with how long it has been an orphan by the database clock. */
export interface OrphanSighting {
  firstSeenAt: Date;
  /** True when this sweep saw the volume as an orphan for the first time. */
  isNew: boolean;
  orphanForMs: number;
}

/** The `pod_orphan_volumes` table: when each orphan volume was first and last seen. */
export class OrphanStore {
  readonly #db: Database;
  readonly #provider: string;

  constructor(db: Database, provider: string) {
    this.#db = db;
    this.#provider = provider;
  }

  /** Returns the database clock, so that sweeps on several replicas measure grace the same way. */
  async now(): Promise<Date> {
    const { rows } = await this.#db.query<{ now: Date }>('SELECT now() AS now');
    return rows[0]?.now ?? new Date();
  }

  /** Returns the ids of the volumes currently recorded as orphans. */
  async listIds(): Promise<Set<string>> {
    const { rows } = await this.#db.query<{ volume_id: string }>(
      'SELECT volume_id FROM pod_orphan_volumes WHERE provider = $1',
      [this.#provider],
    );
    return new Set(rows.map((row) => row.volume_id));
  }

  /** Records that the volume was seen as an orphan now. */
  async sight(volumeId: string, podLabel: string | null): Promise<OrphanSighting> {
    const { rows } = await this.#db.query<{ first_seen_at: Date; last_seen_at: Date }>(
      `INSERT INTO pod_orphan_volumes (provider, volume_id, pod_label, first_seen_at, last_seen_at)
       VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (provider, volume_id) DO UPDATE SET last_seen_at = now(), pod_label = EXCLUDED.pod_label
       RETURNING first_seen_at, last_seen_at`,
      [this.#provider, volumeId, podLabel],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`recording orphan volume ${volumeId} returned no row`);
    return {
      firstSeenAt: row.first_seen_at,
      isNew: row.first_seen_at.getTime() === row.last_seen_at.getTime(),
      orphanForMs: row.last_seen_at.getTime() - row.first_seen_at.getTime(),
    };
  }

  /** Forgets a volume: it was deleted, or it belongs to a live pod again. */
  async forget(volumeId: string): Promise<void> {
    await this.#db.query('DELETE FROM pod_orphan_volumes WHERE provider = $1 AND volume_id = $2', [
      this.#provider,
      volumeId,
    ]);
  }

  /** Forgets every orphan not seen since `sweepStartedAt` (deleted outside the service or adopted). */
  async forgetUnseenSince(sweepStartedAt: Date): Promise<void> {
    await this.#db.query('DELETE FROM pod_orphan_volumes WHERE provider = $1 AND last_seen_at < $2', [
      this.#provider,
      sweepStartedAt,
    ]);
  }
}
