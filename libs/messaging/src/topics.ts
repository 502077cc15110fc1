/**
 * The analytics feed's published contract (RECORDS.md "The analytics feed on Kafka"): topic names
 * and message shapes. The JSON Schema files in libs/messaging/schemas describe the same shapes for
 * outside consumers; a shape change means a new topic version (…v2), never an edit of v1.
 */
export const EVENTS_TOPIC = 'socialwork.events.v1';
export const INDICATOR_CHANGES_TOPIC = 'socialwork.indicator-changes.v1';

/** Value of a message on `socialwork.events.v1` (UTF-8 JSON). The key is `station ?? district ?? 'platform'`. */
export interface FeedEvent {
  /** Unique per event and the same on every re-delivery: consumers de-duplicate by it. */
  eventId: string;
  /** The `id` of the import line or command that caused the event. */
  recordId: string | null;
  type: string;
  schemaVersion: number;
  /** The event's place in the global log (strictly increasing per station on the topic). */
  position: number;
  station: string | null;
  district: string | null;
  /** Calendar date of the service (YYYY-MM-DD); null for events that record no service. */
  occurredOn: string | null;
  /** ISO-8601 instant the platform committed the event. */
  recordedAt: string;
  /**
   * The event data with personal data removed: household, volunteer, worker and case ids replaced by
   * keyed hashes (HMAC-SHA256, key per district), contact details, names of people, id numbers and
   * phone numbers absent.
   */
  data: Record<string, unknown>;
}

/**
 * Value of a message on `socialwork.indicator-changes.v1`: one change of an indicator total at the
 * finest place (a community on a day). Totals of wider scopes (area, station, district, city) and
 * periods are sums of these deltas. The key is `scope`.
 */
export interface IndicatorChange {
  /** Unique and increasing per change: consumers de-duplicate by it. */
  changeId: number;
  /** Indicator code (RECORDS.md), e.g. `phone_contacts`. */
  indicator: string;
  /**
   * Catalog entry and version computing it. A changed definition's new version, and every version a
   * rebuild renews, publishes its changes from the first event on: sum per version and follow the
   * version the catalog marks active (docs/KAFKA.md).
   */
  definitionId: number;
  definitionVersion: number;
  /** `community:STATION/COMMUNITY` (the scope syntax of the indicator API). */
  scope: string;
  district: string;
  station: string;
  area: string | null;
  community: string;
  occurredOn: string;
  /** Change of the total in the indicator's unit; money indicators in fen (1/100 yuan). */
  delta: number;
  /** The event that caused the change, its place in the log and its record. */
  position: number;
  eventId: string;
  recordId: string;
  recordedAt: string;
}
