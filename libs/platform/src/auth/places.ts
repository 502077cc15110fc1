import type pg from 'pg';
import { PlaceMap, type PlaceDirectory } from '@app/auth';

/** Where the access rules learn which district a station is in, and which area a community. */
export interface PlaceSource {
  /** The directory as of now; `refresh` when a record names a station not seen yet. */
  current(options?: { refresh?: boolean }): Promise<PlaceDirectory>;
}

const PLACE_EVENTS = `SELECT position, type, data FROM es_events
  WHERE type IN ('StationRegistered', 'StationAreasRedrawn') AND position > $1 ORDER BY position`;

/**
 * Reads the station events from the event store's log, incrementally: stations are few and
 * registered rarely, so a copy at most `maxAgeMs` old serves every request.
 */
export class EventLogPlaceSource implements PlaceSource {
  private readonly map = new PlaceMap();
  private position = 0;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading?: Promise<PlaceDirectory>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxAgeMs = 1000,
  ) {}

  async current(options: { refresh?: boolean } = {}): Promise<PlaceDirectory> {
    if (!options.refresh && performance.now() - this.loadedAt <= this.maxAgeMs) return this.map;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<PlaceDirectory> {
    const started = performance.now();
    const { rows } = await this.pool.query<{ position: string; type: string; data: unknown }>(PLACE_EVENTS, [this.position]);
    for (const row of rows) {
      this.map.apply(row);
      this.position = Number(row.position);
    }
    this.loadedAt = started;
    return this.map;
  }
}
