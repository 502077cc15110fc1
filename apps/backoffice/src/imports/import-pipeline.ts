import type pg from 'pg';
import type { DomainError } from '@app/kernel';
import type { AnyRecord } from '@app/recording';
import type { RecordIdentities } from '../recording/record-identities.js';
import type { RecordContext, RecordOutcome } from '../recording/recording.service.js';
import { ndjsonLines } from './ndjson.js';
import { parsedChunks, type ParsedChunk, type RejectedLine } from './parse.js';

export type { RejectedLine } from './parse.js';

/** What an import answers (RECORDS.md): lines recorded, lines already recorded, lines refused. */
export interface ImportSummary {
  accepted: number;
  duplicates: number;
  rejected: RejectedLine[];
}

export interface ImportProgress {
  /** Lines read so far (including blank and refused ones). */
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** The recording side as the pipeline needs it (RecordingService in the app): chunks recorded in file order. */
export interface RecordSink {
  sequence(ctx: RecordContext, tx?: pg.PoolClient): { record(records: AnyRecord[], identities: RecordIdentities): Promise<RecordOutcome[]>; committed(): void };
}

export interface ImportOptions {
  ctx: RecordContext;
  /** Keep nothing unless every line is accepted or a duplicate: one transaction for the whole file. */
  atomic?: boolean;
  /** Where the atomic transaction's connection comes from (required with `atomic`). */
  pool?: pg.Pool;
  /** Records handed to the recording side at once. */
  chunkSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

const reasonOf = (error: DomainError): string => `${error.code}: ${error.message}`;

/** Chunks parsed ahead of the one being written, at most: the file is never held, only these. */
const PARSED_AHEAD = 2;

/**
 * The one import path (HTTP and command line): reads NDJSON as it arrives, parses and validates each
 * line (parsedChunks), and hands valid records to the recording side in chunks, in file order.
 * Chunks are written one after another (each is decided on the state the ones before left), while
 * the next ones are parsed, validated, identified (event id, content hash) and decided: the database
 * and the parsing overlap.
 *
 * Without `atomic`, each chunk is recorded on its own: good lines are kept, bad ones reported. With
 * `atomic`, every chunk goes through one transaction that is committed only if no line was refused.
 */
export async function importNdjson(source: AsyncIterable<Buffer | string>, sink: RecordSink, options: ImportOptions): Promise<ImportSummary> {
  const chunkSize = options.chunkSize ?? 5000;
  const accepted = { count: 0, duplicates: 0 };
  const rejected: RejectedLine[] = [];
  let lines = 0;
  if (options.atomic && !options.pool) throw new Error('an atomic import needs a pool for its transaction');
  const tx = options.atomic ? await options.pool!.connect() : undefined;

  const sequence = sink.sequence(options.ctx, tx);
  const record = async ({ records, identities, numbers }: ParsedChunk): Promise<void> => {
    const outcomes = await sequence.record(records, identities);
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'accepted') accepted.count += 1;
      else if (outcome.status === 'duplicate') accepted.duplicates += 1;
      else rejected.push({ line: numbers[i]!, id: records[i]!.id, reason: reasonOf(outcome.error) });
    });
    options.onProgress?.({ lines, accepted: accepted.count, duplicates: accepted.duplicates, rejected: rejected.length });
  };

  // The sequence appends each chunk after the one before (a failure fails the ones after).
  const writing: Promise<void>[] = [];
  try {
    await tx?.query('BEGIN');
    for await (const chunk of parsedChunks(ndjsonLines(source), chunkSize)) {
      lines = chunk.lines;
      for (const line of chunk.rejected) rejected.push(line);
      if (chunk.records.length === 0) continue;
      const written = record(chunk);
      written.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      writing.push(written);
      if (writing.length > PARSED_AHEAD) await writing.shift();
    }
    for (const written of writing) await written;
    // The lines after the last chunk recorded (blank or refused ones) count too.
    options.onProgress?.({ lines, accepted: accepted.count, duplicates: accepted.duplicates, rejected: rejected.length });
    rejected.sort((a, b) => a.line - b.line);
    if (tx) {
      if (rejected.length > 0) {
        await tx.query('ROLLBACK');
        return { accepted: 0, duplicates: 0, rejected };
      }
      await tx.query('COMMIT');
      sequence.committed();
    }
    return { accepted: accepted.count, duplicates: accepted.duplicates, rejected };
  } catch (error) {
    await Promise.allSettled(writing); // the transaction's connection is free only once the writes settle
    await tx?.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx?.release();
  }
}
