/** Who did what, and why: carried by every event, never part of the domain data. */
export interface EventMetadata {
  actor: string;
  correlationId?: string;
  causationId?: string;
  /** The `id` of the import line or command that caused the event (idempotency key). */
  recordId?: string;
  /** Hash of the record's content: the same record id with other content is a conflict. */
  contentHash?: string;
  district?: string;
  station?: string;
  [key: string]: unknown;
}

/** An event as a decider emits it: a stable string `type`, never a class name. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

export interface NewEvent<E extends DomainEvent = DomainEvent> {
  eventId: string;
  type: E['type'];
  data: E['data'];
  schemaVersion?: number;
  metadata: EventMetadata;
}

export interface StoredEvent<E extends DomainEvent = DomainEvent> {
  position: number;
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: E['type'];
  schemaVersion: number;
  data: E['data'];
  metadata: EventMetadata;
  recordedAt: Date;
}

/**
 * `'no_stream'`: the stream must not exist; a number: the stream's current version (count of its
 * events) must equal it; `'any'`: no check.
 */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendRequest {
  streamId: string;
  /** The kind of aggregate, e.g. `case`, `household`; lets readers filter streams. */
  streamType: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
}

export type AppendResult =
  | { status: 'appended'; streamId: string; nextVersion: number; positions: number[] }
  /** The first event id was already stored: nothing appended; the stored copy's hash is given. */
  | { status: 'duplicate'; streamId: string; eventId: string; position: number; contentHash: string | null };

/** An event type name: PascalCase, the same rule as es_events' CHECK constraint (a name is written into SQL as a literal by LogFollower). */
export const EVENT_TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;
