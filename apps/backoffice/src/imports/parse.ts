import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AnyRecord } from '@app/recording';
import { RecordIdentities } from '../recording/record-identities.js';
import { validateRecord } from '../recording/validate-record.js';
import { MAX_LINE_BYTES, NOT_UTF8, TOO_LONG, type Line } from './ndjson.js';

/** A line refused, by its 1-based number in the file (RECORDS.md: `{line, id, reason}`). */
export interface RejectedLine {
  line: number;
  /** The line's `id` when it could be read, else null (e.g. malformed JSON). */
  id: string | null;
  reason: string;
}

/** A run of lines, parsed and checked: the valid records with, index for index, their identities and line numbers, and the lines refused. */
export interface ParsedChunk {
  records: AnyRecord[];
  identities: RecordIdentities;
  numbers: number[];
  rejected: RejectedLine[];
  /** Lines read up to the end of this run (blank and refused ones included). */
  lines: number;
}

/**
 * Lines parsed between two turns of the event loop: the chunk being appended waits on database
 * replies, which are only read between turns, and its append is a chain of round trips (its reads,
 * then the bulk append's five), each of which waited up to a turn. With 512 lines (~4 ms) a turn,
 * appending was the stage the parser waited for (event-loop utilisation 0.77 in a 1 M-line import);
 * with 128, about 0.9 (64 measured no better).
 */
const LINES_PER_TURN = 128;

function idOf(value: unknown): string | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/**
 * NDJSON lines parsed and validated (the edge's rules: validateRecord) and identified, handed on in
 * chunks of `chunkSize` valid records (the last one may be shorter, or hold only refused or blank lines).
 * Blank lines are skipped but keep their numbers.
 */
export async function* parsedChunks(source: AsyncIterable<Line[]>, chunkSize: number): AsyncGenerator<ParsedChunk> {
  let lines = 0;
  const empty = (): ParsedChunk => ({ records: [], identities: new RecordIdentities(), numbers: [], rejected: [], lines: 0 });
  let chunk = empty();
  /** Lines read up to the last chunk handed on. */
  let handedOn = 0;
  for await (const texts of source) {
    for (const text of texts) {
      lines += 1;
      if (lines % LINES_PER_TURN === 0) await nextTurn();
      if (text === TOO_LONG) {
        chunk.rejected.push({ line: lines, id: null, reason: `line_too_long: a line may hold at most ${MAX_LINE_BYTES} bytes` });
        continue;
      }
      if (text === NOT_UTF8) {
        chunk.rejected.push({ line: lines, id: null, reason: 'invalid_utf8: the line is not valid UTF-8' });
        continue;
      }
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        chunk.rejected.push({ line: lines, id: null, reason: `malformed_json: ${(error as Error).message}` });
        continue;
      }
      const checked = validateRecord(value);
      if (!checked.ok) {
        chunk.rejected.push({ line: lines, id: idOf(value), reason: checked.reason });
        continue;
      }
      chunk.records.push(checked.record);
      chunk.identities.add(checked.record);
      chunk.numbers.push(lines);
      if (chunk.records.length >= chunkSize) {
        chunk.lines = handedOn = lines;
        yield chunk;
        chunk = empty();
      }
    }
  }
  // Also for blank lines alone: the lines read are counted to the end.
  if (chunk.records.length > 0 || chunk.rejected.length > 0 || lines > handedOn) {
    chunk.lines = lines;
    yield chunk;
  }
}
