import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createPool, migrate, resolveDatabase } from '@app/database';
import { checkHouseholdMasterKey, householdMasterKey } from '@app/platform';
import { importNdjson, openRecording, type ImportSummary, type RecordSink } from '../../backoffice/src/imports/index.js';
import { backofficeMigrations } from '../../backoffice/src/migrations.js';
import type pg from 'pg';
import { ProgressBar } from './progress.js';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const processIo = (): CliIo => ({ env: process.env, stdout: process.stdout, stderr: process.stderr });

/** At most this many refused lines are printed; the count is always printed. */
const SHOWN_REJECTIONS = 50;

/**
 * The configured database (DATABASE_URL, or the embedded one), migrated, with the recording side
 * open on it for `work`; everything is closed afterwards.
 */
export async function withRecording<T>(env: NodeJS.ProcessEnv, work: (recording: RecordSink, pool: pg.Pool) => Promise<T>): Promise<T> {
  const database = await resolveDatabase(env);
  const pool = createPool(database.url, 4);
  try {
    await migrate(pool, backofficeMigrations);
    // An import makes household keys: under a master key the stored ones are not under, it would mix two.
    await checkHouseholdMasterKey(pool, householdMasterKey().key);
    const { recording, close } = await openRecording(pool);
    try {
      return await work(recording, pool);
    } finally {
      await close();
    }
  } finally {
    await pool.end();
    await database.embedded?.stop();
  }
}

export function printSummary(summary: ImportSummary, out: NodeJS.WriteStream, atomic = false): void {
  const { accepted, duplicates, rejected } = summary;
  out.write(`accepted ${accepted}, duplicates ${duplicates}, rejected ${rejected.length}\n`);
  for (const { line, id, reason } of rejected.slice(0, SHOWN_REJECTIONS)) {
    out.write(`  line ${line}${id === null ? '' : ` (id ${id})`}: ${reason}\n`);
  }
  if (rejected.length > SHOWN_REJECTIONS) out.write(`  … and ${rejected.length - SHOWN_REJECTIONS} more rejected lines\n`);
  if (atomic && rejected.length > 0) out.write('atomic import: nothing was kept\n');
}

/**
 * `npm run cli -- import FILE.ndjson [--atomic]`: the HTTP import's pipeline against the configured
 * database, with a progress bar on a terminal. Exit code 1 when any line was refused, 2 on bad usage.
 */
export async function importCommand(args: string[], io: CliIo = processIo()): Promise<number> {
  const atomic = args.includes('--atomic');
  const files = args.filter((arg) => arg !== '--atomic');
  if (files.length !== 1 || files[0]!.startsWith('--')) {
    io.stderr.write('usage: npm run cli -- import FILE.ndjson [--atomic]\n');
    return 2;
  }
  const file = files[0]!;
  const size = (await stat(file)).size;
  const bar = new ProgressBar(io.stderr, size);
  let bytes = 0;
  let lines = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  const summary = await withRecording(io.env, (recording, pool) =>
    importNdjson(counted(), recording, {
      ctx: { actor: `import:cli:${io.env.USER ?? 'unknown'}` },
      atomic,
      pool,
      onProgress: (progress) => {
        lines = progress.lines;
        bar.update(bytes, lines);
      },
    }),
  );
  bar.done(bytes, lines);
  printSummary(summary, io.stdout, atomic);
  return summary.rejected.length > 0 ? 1 : 0;
}
