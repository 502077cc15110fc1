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

/** Value of a message on `socialwork.indicator-changes.v1`; the key is the scope. */
export interface IndicatorChangeMessage {
  /** Unique and increasing per change (the source table's id): consumers de-duplicate by it. */
  changeId: number;
  [field: string]: unknown;
}
