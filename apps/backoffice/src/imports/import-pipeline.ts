import { isUtf8 } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type pg from 'pg';
import type { DomainError } from '@app/kernel';
import type { AnyRecord } from '@app/recording';
import { RecordIdentities, type RecordContext, type RecordOutcome } from '../recording/recording.service.js';
import { validateRecord } from '../recording/validate-record.js';

/** A line refused, by its 1-based number in the file (RECORDS.md: `{line, id, reason}`). */
export interface RejectedLine {
  line: number;
  /** The line's `id` when it could be read, else null (e.g. malformed JSON). */
  id: string | null;
  reason: string;
}

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

/** A line longer than this is refused without being held (a file with no newlines must not fill memory). */
export const MAX_LINE_BYTES = 1 << 20;
const TOO_LONG = Symbol('line too long');
/** Bytes that are not UTF-8: decoding would turn them into U+FFFD and store something never sent. */
const NOT_UTF8 = Symbol('line not UTF-8');
type Line = string | typeof TOO_LONG | typeof NOT_UTF8;

const NEWLINE = 0x0a;
/** A line as handed on: without its `\r`, or TOO_LONG (a UTF-8 character is at most 3 bytes per UTF-16 unit). */
const lineOf = (line: string): Line =>
  line.length > MAX_LINE_BYTES / 3 && Buffer.byteLength(line) > MAX_LINE_BYTES ? TOO_LONG : line.endsWith('\r') ? line.slice(0, -1) : line;

const lineOfBytes = (bytes: Buffer): Line => (isUtf8(bytes) ? lineOf(bytes.toString('utf8')) : NOT_UTF8);

/**
 * The lines of `bytes` (newline-separated, none at the end). The whole run is checked at once (the
 * common case); only a run that is not UTF-8 is checked line by line, to refuse just its bad lines.
 */
function linesOf(bytes: Buffer): Line[] {
  if (isUtf8(bytes)) {
    const lines: Line[] = bytes.toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i++) lines[i] = lineOf(lines[i] as string);
    return lines;
  }
  const lines: Line[] = [];
  let start = 0;
  for (let end = bytes.indexOf(NEWLINE); end !== -1; start = end + 1, end = bytes.indexOf(NEWLINE, start)) lines.push(lineOfBytes(bytes.subarray(start, end)));
  lines.push(lineOfBytes(bytes.subarray(start)));
  return lines;
}

const BOM = '\uFEFF';

/**
 * Splits a byte (or text) stream into NDJSON lines, one array per incoming chunk (one await per chunk,
 * not per line). Each chunk is decoded once up to its last newline: a newline byte never occurs
 * inside a multi-byte UTF-8 character, so no character is cut. `\r\n` ends a line too. A line that
 * is not UTF-8 comes out as NOT_UTF8; a byte order mark opening the stream (editors on Windows
 * write one) is dropped.
 */
export async function* ndjsonLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<Line[]> {
  let carry: Buffer | undefined;
  let skipping = false;
  let first = true;
  /** The stream's first line loses its byte order mark; every line keeps its number. */
  const opening = (lines: Line[]): Line[] => {
    if (first && lines.length > 0) {
      first = false;
      const line = lines[0];
      if (typeof line === 'string' && line.startsWith(BOM)) lines[0] = line.slice(BOM.length);
    }
    return lines;
  };
  for await (const data of source) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (chunk.length === 0) continue;
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      if (skipping) continue;
      carry = carry ? Buffer.concat([carry, chunk]) : chunk;
      if (carry.length > MAX_LINE_BYTES) {
        skipping = true;
        carry = undefined;
      }
      continue;
    }
    // The line begun in earlier chunks ends at this chunk's first newline: only its bytes are
    // joined to the carry, not the whole chunk.
    let head: Line | undefined;
    let start = 0;
    if (skipping || carry) {
      const newline = chunk.indexOf(NEWLINE);
      head = skipping ? TOO_LONG : lineOfBytes(Buffer.concat([carry!, chunk.subarray(0, newline)]));
      start = newline + 1;
    }
    const lines: Line[] = start <= last ? linesOf(chunk.subarray(start, last)) : [];
    if (head !== undefined) lines.unshift(head);
    skipping = false;
    carry = last + 1 < chunk.length ? chunk.subarray(last + 1) : undefined;
    yield opening(lines);
  }
  if (skipping) yield [TOO_LONG];
  else if (carry) yield opening([lineOfBytes(carry)]);
}

const reasonOf = (error: DomainError): string => `${error.code}: ${error.message}`;

function idOf(value: unknown): string | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/** Chunks parsed ahead of the one being written, at most: the file is never held, only these. */
const PARSED_AHEAD = 2;
/**
 * Lines parsed between two turns of the event loop: the chunk being appended waits on database
 * replies, which are only read between turns, and its append is a chain of round trips (its reads,
 * then the bulk append's five), each of which waited up to a turn. With 512 lines (~4 ms) a turn,
 * appending was the stage the parser waited for (event-loop utilisation 0.77 in a 1 M-line import);
 * with 128, about 0.9 (64 measured no better).
 */
const LINES_PER_TURN = 128;

/**
 * The one import path (HTTP and command line): reads NDJSON as it arrives, parses and validates each
 * line, and hands valid records to the recording side in chunks, in file order. Chunks are written
 * one after another (each is decided on the state the ones before left), while the next ones are
 * parsed, validated, identified (event id, content hash) and decided: the database and the parsing
 * overlap. Blank lines are skipped but keep their numbers.
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
  /** A chunk of valid records with, index for index, their identities and line numbers. */
  const record = async (records: AnyRecord[], identities: RecordIdentities, numbers: number[]): Promise<void> => {
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
  const hand = (records: AnyRecord[], identities: RecordIdentities, numbers: number[]): void => {
    const written = record(records, identities, numbers);
    written.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    writing.push(written);
  };
  try {
    await tx?.query('BEGIN');
    let batch: AnyRecord[] = [];
    let identities = new RecordIdentities();
    let numbers: number[] = [];
    for await (const chunk of ndjsonLines(source)) {
      for (const text of chunk) {
        lines += 1;
        if (lines % LINES_PER_TURN === 0) await nextTurn();
        if (text === TOO_LONG) {
          rejected.push({ line: lines, id: null, reason: `line_too_long: a line may hold at most ${MAX_LINE_BYTES} bytes` });
          continue;
        }
        if (text === NOT_UTF8) {
          rejected.push({ line: lines, id: null, reason: 'invalid_utf8: the line is not valid UTF-8' });
          continue;
        }
        if (text.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          rejected.push({ line: lines, id: null, reason: `malformed_json: ${(error as Error).message}` });
          continue;
        }
        const checked = validateRecord(value);
        if (!checked.ok) {
          rejected.push({ line: lines, id: idOf(value), reason: checked.reason });
          continue;
        }
        batch.push(checked.record);
        identities.add(checked.record);
        numbers.push(lines);
        if (batch.length >= chunkSize) {
          hand(batch, identities, numbers);
          if (writing.length > PARSED_AHEAD) await writing.shift();
          batch = [];
          identities = new RecordIdentities();
          numbers = [];
        }
      }
    }
    if (batch.length > 0) hand(batch, identities, numbers);
    for (const written of writing) await written;
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
