import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { openRecording, type RecordSink } from '../../apps/backoffice/src/imports/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface RecordingDatabase {
  readonly db: TestDatabase;
  readonly recording: RecordSink;
}

/**
 * A fresh backoffice database with the recording side open on it, for the tests of one file: made
 * before them (a file's own beforeAll hooks declared after this call run after it) and dropped after.
 */
export function recordingDatabase(): RecordingDatabase {
  const opened = {} as { db: TestDatabase; recording: RecordSink; close?: () => Promise<void> };
  beforeAll(async () => {
    opened.db = await createTestDatabase(backofficeMigrations);
    ({ recording: opened.recording, close: opened.close } = await openRecording(opened.db.pool));
  });
  afterAll(async () => {
    await opened.close?.();
    await opened.db?.drop();
  });
  return opened;
}
