import type { StoredEvent } from '@app/event-store';
import { pseudonymiseData, type PseudonymKeys } from './pseudonymise.js';
import type { FeedEvent } from './topics.js';

/** Station, else district, else the platform: each station's events stay in one partition, in order. */
export function feedKey(event: Pick<FeedEvent, 'station' | 'district'>): string {
  return event.station ?? event.district ?? 'platform';
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** A stored event as the analytics feed publishes it (socialwork.events.v1). */
export function toFeedEvent(event: StoredEvent, keys: PseudonymKeys): FeedEvent {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const district = text(event.metadata.district);
  return {
    eventId: event.eventId,
    recordId: text(event.metadata.recordId) ?? text(data.recordId),
    type: event.type,
    schemaVersion: event.schemaVersion,
    position: event.position,
    station: text(event.metadata.station) ?? text(data.station),
    district,
    occurredOn: text(data.occurredOn),
    recordedAt: event.recordedAt.toISOString(),
    data: pseudonymiseData(event.type, data, keys.keyFor(district)),
  };
}
