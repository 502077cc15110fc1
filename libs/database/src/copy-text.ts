const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value as a column of COPY's text format: backslash, tab, newline and carriage return escaped, null as `\N`. */
export function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number' || !COPY_SPECIAL.test(value)) return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const EMPTY = Buffer.alloc(0);

/**
 * COPY rows encoded into a buffer as they are added, taken a chunk at a time once `full`: rows
 * gathered as one long string of many pieces cost more to flatten and encode than building them.
 */
export class CopyChunk {
  /** Allocated at the first row after a take (or at the first one): a chunk taken last allocates nothing more. */
  private buffer = EMPTY;
  private used = 0;

  /** `bytes`: the size at which the chunk is full (twice that is allocated, so a chunk rarely grows). */
  constructor(private readonly bytes: number) {}

  add(row: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.reserve(row.length * 3);
    this.used += this.buffer.write(row, this.used);
  }

  /** Text encoded before, added as it is. */
  addBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** Bytes added since the last take. */
  get size(): number {
    return this.used;
  }

  private reserve(most: number): void {
    if (this.used + most <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + most, this.bytes * 2));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }

  get empty(): boolean {
    return this.used === 0;
  }

  get full(): boolean {
    return this.used >= this.bytes;
  }

  /** The rows added since the last take; the next ones go to a new buffer (a stream keeps what it is given until it is sent). */
  take(): Buffer {
    const rows = this.buffer.subarray(0, this.used);
    this.buffer = EMPTY;
    this.used = 0;
    return rows;
  }
}
