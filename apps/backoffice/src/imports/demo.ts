import { Readable } from 'node:stream';
import type pg from 'pg';
import { demoNdjson } from '@app/demo-data';
import { importNdjson, type ImportSummary, type RecordSink } from './import-pipeline.js';

export const DEMO_ACTOR = 'demo-data';

/**
 * Loads the demo (the two stations of the source reports) through the import pipeline, all or
 * nothing. Record ids are stable, so loading it again changes nothing: every line is a duplicate.
 */
export function loadDemo(recording: RecordSink, pool: pg.Pool): Promise<ImportSummary> {
  return importNdjson(Readable.from(demoNdjson()), recording, { ctx: { actor: DEMO_ACTOR }, atomic: true, pool });
}

/** True when nothing was ever recorded: the first start of a fresh database. */
export async function isEmptyLog(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM es_events) AS any');
  return !rows[0]!.any;
}
