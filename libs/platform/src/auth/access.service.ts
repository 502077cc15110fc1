import { Inject, Injectable } from '@nestjs/common';
import {
  canRecord,
  cycleDecision,
  permissionDecision,
  placeDecision,
  enforce,
  type Caller,
  type CycleRef,
  type Decision,
  type Permission,
  type Place,
  type PlaceDirectory,
  type RecordLike,
  type RecordTarget,
} from '@app/auth';
import { PLACE_SOURCE } from './tokens.js';
import type { PlaceSource } from './places.js';

export type RecordAuthorizer = (record: RecordLike, target?: RecordTarget) => void;

/**
 * The access rules of @app/auth with the place directory filled in, for handlers: what the guard
 * cannot see (records loaded by id, import lines, cycles) is checked here.
 */
@Injectable()
export class AccessService {
  constructor(@Inject(PLACE_SOURCE) private readonly source: PlaceSource) {}

  places(options?: { refresh?: boolean }): Promise<PlaceDirectory> {
    return this.source.current(options);
  }

  /** Whether the caller's scope covers the place; a station not seen yet is looked up again. */
  async decidePlace(caller: Caller, place: Place): Promise<Decision> {
    const decision = placeDecision(caller, place, await this.places());
    if (decision.allowed || decision.code !== 'station_unknown') return decision;
    return placeDecision(caller, place, await this.places({ refresh: true }));
  }

  async decide(caller: Caller, permission: Permission, place?: Place): Promise<Decision> {
    const byRole = permissionDecision(caller, permission);
    return byRole.allowed && place ? this.decidePlace(caller, place) : byRole;
  }

  /** Throws 403 unless the caller's role holds the permission and its scope covers the place. */
  async authorize(caller: Caller, permission: Permission, place?: Place): Promise<void> {
    enforce(await this.decide(caller, permission, place));
  }

  async authorizeCycle(caller: Caller, permission: Permission, cycle: CycleRef): Promise<void> {
    enforce(cycleDecision(caller, permission, cycle, await this.places()));
  }

  /**
   * A synchronous check for many records (an import, a command), each decided on its own; it throws
   * the 403 DomainError for a refused record. The recording side passes where the record lands
   * (`target`: the station, district and community it resolved, e.g. of the record a correction
   * names; a station registered earlier in the same batch is known by the district passed).
   */
  async recordAuthorizer(caller: Caller): Promise<RecordAuthorizer> {
    const places = await this.places();
    return (record, target) => enforce(canRecord(caller, record, places, target));
  }


}
