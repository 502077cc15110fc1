import type pg from 'pg';
import { LogFollower } from '@app/event-store';
import { SETUP_EVENT_TYPES, emptyPlaces, evolvePlaces, type Places, type SetupEvent } from '@app/recording';

const evolve = (places: Places, event: { type: string; data: unknown }): Places => evolvePlaces(places, event as SetupEvent);

/**
 * Places and contracts held in memory: every service record is checked against them, and they are
 * few. The shared copy only ever holds committed events (read through the pool; the same type list
 * as the partial index of migration 0101), refreshed when older than a second, after this process
 * appended places, or on demand (a record names a place we have not seen yet). A caller inside a
 * transaction gets the shared copy plus what its transaction has appended, never stored.
 */
export class PlaceDirectory {
  private readonly log: LogFollower<Places>;

  constructor(pool: pg.Pool, maxAgeMs = 1000) {
    this.log = new LogFollower(pool, SETUP_EVENT_TYPES, emptyPlaces(), evolve, maxAgeMs);
  }

  current(tx?: pg.PoolClient): Promise<Places> {
    return this.read({ refresh: false }, tx);
  }

  fresh(tx?: pg.PoolClient): Promise<Places> {
    return this.read({ refresh: true }, tx);
  }

  /** After places were appended and committed: this process's next records are checked against them, not against a copy up to a second old. */
  invalidate(): void {
    this.log.invalidate();
  }

  private async read(options: { refresh: boolean }, tx?: pg.PoolClient): Promise<Places> {
    const places = await this.log.current(options);
    return tx ? (await this.log.beyond(tx)).reduce(evolve, places) : places;
  }
}
