import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { demoNdjson } from '@app/demo-data';
import type pg from 'pg';
import { isEmptyLog, loadDemo, type ImportSummary, type RecordSink } from '../../backoffice/src/imports/index.js';
import { printSummary, withRecording, type CliIo } from './import.js';

/**
 * The platform's first start loads the demo: on the embedded default (or with DEMO_DATA=on) and only
 * into an empty event log; DEMO_DATA=off never does. Answers the summary, or undefined when skipped.
 */
export async function loadDemoOnFirstStart(
  env: NodeJS.ProcessEnv,
  embedded: boolean,
  pool: pg.Pool,
  recording: RecordSink,
): Promise<ImportSummary | undefined> {
  const wanted = env.DEMO_DATA === 'on' || (embedded && env.DEMO_DATA !== 'off');
  if (!wanted || !(await isEmptyLog(pool))) return undefined;
  return loadDemo(recording, pool);
}

/**
 * `npm run cli -- demo`: loads the demo stations into the configured database (a second time, all
 * lines are duplicates). `--write FILE` writes the demo as an NDJSON file instead.
 */
export async function demoCommand(args: string[], io: CliIo = { env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const write = args.indexOf('--write');
  if (write >= 0) {
    const file = args[write + 1];
    if (!file) {
      io.stderr.write('usage: npm run cli -- demo [--write FILE.ndjson]\n');
      return 2;
    }
    await pipeline(Readable.from(demoNdjson()), createWriteStream(file));
    io.stdout.write(`demo written to ${file}\n`);
    return 0;
  }
  const summary = await withRecording(io.env, (recording, pool) => loadDemo(recording, pool));
  printSummary(summary, io.stdout, true);
  return summary.rejected.length > 0 ? 1 : 0;
}
