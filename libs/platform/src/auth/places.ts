import type pg from 'pg';
import { LogFollower, type FollowedEvent } from '@app/event-store';
import { PlaceMap, type PlaceDirectory } from '@app/auth';

/** Where the access rules learn which district a station is in, and which area a community. */
export interface PlaceSource {
  /** The directory as of now; `refresh` when a record names a station not seen yet. */
  current(options?: { refresh?: boolean }): Promise<PlaceDirectory>;
}

/**
 * Reads the station events from the event store's log, incrementally: stations are few and
 * registered rarely, so a copy at most `maxAgeMs` old serves every request.
 */
export class EventLogPlaceSource implements PlaceSource {
  private readonly log: LogFollower<PlaceMap>;

  constructor(pool: pg.Pool, maxAgeMs = 1000) {
    const apply = (map: PlaceMap, event: FollowedEvent) => (map.apply(event), map);
    this.log = new LogFollower(pool, ['StationRegistered', 'StationAreasRedrawn'], new PlaceMap(), apply, maxAgeMs);
  }

  current(options: { refresh?: boolean } = {}): Promise<PlaceDirectory> {
    return this.log.current(options);
  }
}
