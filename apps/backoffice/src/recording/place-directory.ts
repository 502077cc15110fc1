import type pg from 'pg';
import { SETUP_EVENT_TYPES, emptyPlaces, evolvePlaces, type Places, type SetupEvent } from '@app/recording';

/** Same list as the partial index of migration 0101, so the planner uses it. */
const SETUP_TYPES_SQL = SETUP_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
const SETUP_EVENTS_AFTER = `SELECT position, type, data FROM es_events WHERE type IN (${SETUP_TYPES_SQL}) AND position > $1 ORDER BY position`;

/**
 * Places and contracts held in memory: every service record is checked against them, and they are
 * few. The shared copy only ever holds committed events (read through the pool), refreshed when
 * older than `maxAgeMs` or on demand (a record names a place we have not seen yet). A caller inside
 * a transaction gets the shared copy plus what its transaction has appended, never stored.
 */
export class PlaceDirectory {
  private places: Places = emptyPlaces();
  private position = 0;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading?: Promise<Places>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxAgeMs = 1000,
  ) {}

  async current(tx?: pg.PoolClient): Promise<Places> {
    if (performance.now() - this.loadedAt > this.maxAgeMs) await this.fresh();
    return tx ? this.withOwnAppends(tx) : this.places;
  }

  async fresh(tx?: pg.PoolClient): Promise<Places> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    await this.loading;
    return tx ? this.withOwnAppends(tx) : this.places;
  }

  /** The shared copy plus what the transaction sees beyond it (its own setup events), not stored. */
  private async withOwnAppends(tx: pg.PoolClient): Promise<Places> {
    const { rows } = await tx.query<{ position: number; type: string; data: unknown }>(SETUP_EVENTS_AFTER, [this.position]);
    return rows.reduce((places, row) => evolvePlaces(places, row as unknown as SetupEvent), this.places);
  }

  private async load(): Promise<Places> {
    const started = performance.now();
    const { rows } = await this.pool.query<{ position: number; type: string; data: unknown }>(SETUP_EVENTS_AFTER, [this.position]);
    for (const row of rows) {
      this.places = evolvePlaces(this.places, row as unknown as SetupEvent);
      this.position = row.position;
    }
    this.loadedAt = started;
    return this.places;
  }
}
