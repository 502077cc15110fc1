import type { Migration } from '@app/database';
import { SETUP_EVENT_TYPES } from '@app/recording';

export const recordingMigrations: Migration[] = [
  {
    // The place directory re-reads setup events after a position on every refresh; they are a
    // handful among millions of service events, so a partial index keeps that read tiny.
    id: '0101_recording_setup_events',
    sql: `CREATE INDEX recording_setup_events ON es_events (position) WHERE type IN (${SETUP_EVENT_TYPES.map((t) => `'${t}'`).join(', ')});`,
  },
];
