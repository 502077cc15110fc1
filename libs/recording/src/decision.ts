import type { RecordingEvent } from './events.js';

export interface StreamRef {
  id: string;
  /** The kind of aggregate: `case`, `household`, `station`, … */
  type: string;
}

/**
 * What a decider answers: one event for one stream, appended only if the stream is still at
 * `expectedVersion` (`'any'`: the event depends on nothing in its stream).
 */
export interface Decision {
  stream: StreamRef;
  expectedVersion: number | 'any';
  event: RecordingEvent;
  /** For the event metadata. */
  district?: string;
  station?: string;
}
