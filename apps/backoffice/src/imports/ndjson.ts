import { isUtf8 } from 'node:buffer';

/** A line longer than this is refused without being held (a file with no newlines must not fill memory). */
export const MAX_LINE_BYTES = 1 << 20;
export const TOO_LONG = Symbol('line too long');
/** Bytes that are not UTF-8: decoding would turn them into U+FFFD and store something never sent. */
export const NOT_UTF8 = Symbol('line not UTF-8');
export type Line = string | typeof TOO_LONG | typeof NOT_UTF8;

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
