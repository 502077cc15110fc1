import type { PlaceDirectory } from './access.js';

interface AreaLike {
  code: string;
  communities: { code: string }[];
}

/**
 * The place directory kept in memory from the setup events. Areas follow the latest drawing:
 * scope is about who may act now, while history keeps each record's own area.
 */
export class PlaceMap implements PlaceDirectory {
  private readonly districts = new Map<string, string>();
  private readonly areas = new Map<string, Map<string, string>>();

  stationRegistered(station: string, district: string, areas: readonly AreaLike[] = []): void {
    this.districts.set(station, district);
    this.areasRedrawn(station, areas);
  }

  areasRedrawn(station: string, areas: readonly AreaLike[]): void {
    this.areas.set(station, new Map(areas.flatMap((area) => area.communities.map((community) => [community.code, area.code] as const))));
  }

  /** Feeds one event; events that are not about places are ignored. */
  apply(event: { type: string; data: unknown }): void {
    const data = event.data as { code: string; station: string; district: string; areas: AreaLike[] };
    if (event.type === 'StationRegistered') this.stationRegistered(data.code, data.district, data.areas);
    else if (event.type === 'StationAreasRedrawn') this.areasRedrawn(data.station, data.areas);
  }

  districtOf(station: string): string | undefined {
    return this.districts.get(station);
  }

  areaOf(station: string, community: string): string | undefined {
    return this.areas.get(station)?.get(community);
  }
}
