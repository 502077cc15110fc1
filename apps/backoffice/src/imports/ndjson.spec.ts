import fc from 'fast-check';
import { MAX_LINE_BYTES, ndjsonLines } from './ndjson.js';

async function collect(chunks: (Buffer | string)[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const lines of ndjsonLines((async function* () { yield* chunks; })())) out.push(...lines);
  return out;
}

/** The bytes cut at the given offsets (any offset: inside a character too). */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  return [...points, bytes.length].map((end, i) => bytes.subarray(i === 0 ? 0 : points[i - 1]!, end));
}

describe('ndjsonLines', () => {
  it('gives back every line, whatever the chunking of the bytes (UTF-8 characters cut included), with or without \\r\\n', async () => {
    const line = fc.string({ unit: fc.constantFrom('a', '社', '工', '站', '😀', '"', ' ', '{', '}'), maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), async (lines, offsets, crlf) => {
        const bytes = Buffer.from(lines.join(crlf ? '\r\n' : '\n') + '\n');
        expect(await collect(cut(bytes, offsets))).toEqual(lines);
      }),
    );
  });

  it('keeps a last line without a newline, and accepts text chunks', async () => {
    expect(await collect(['{"a":1}\n{"b"', ':2}'])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('turns a line longer than the limit into one marker, in one chunk or spread over many, and goes on', async () => {
    const long = 'x'.repeat(MAX_LINE_BYTES + 10);
    const inOne = await collect([`${long}\nnext\n`]);
    expect(inOne.map((l) => typeof l)).toEqual(['symbol', 'string']);
    expect(inOne[1]).toBe('next');
    const spread = await collect([...cut(Buffer.from(`${long}\nnext\n`), [1000, 500_000, 1_000_000, MAX_LINE_BYTES + 5])]);
    expect(spread.map((l) => typeof l)).toEqual(['symbol', 'string']);
    expect(spread[1]).toBe('next');
  });

  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const described = (lines: unknown[]) => lines.map((l) => (typeof l === 'symbol' ? l.description : l));

  it('drops a byte order mark opening the stream, in one chunk or cut anywhere, and keeps one anywhere else', async () => {
    const bytes = Buffer.concat([bom, Buffer.from('{"a":1}\n\uFEFF{"b":2}\n')]);
    for (const offsets of [[], [1], [2], [3], [1, 2, 5]]) {
      expect(await collect(cut(bytes, offsets))).toEqual(['{"a":1}', '\uFEFF{"b":2}']);
    }
    expect(await collect([Buffer.concat([bom, Buffer.from('x')])])).toEqual(['x']);
  });

  it('marks each line that is not UTF-8 and keeps the lines around it, in their places', async () => {
    const bytes = Buffer.concat([Buffer.from('one\n社工\n'), Buffer.from([0x61, 0xff, 0x62]), Buffer.from('\nfour\n'), Buffer.from([0xe7, 0xa4]), Buffer.from('\nsix')]);
    const expected = ['one', '社工', 'line not UTF-8', 'four', 'line not UTF-8', 'six'];
    expect(described(await collect([bytes]))).toEqual(expected);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 8 }), async (offsets) => {
        expect(described(await collect(cut(bytes, offsets)))).toEqual(expected);
      }),
    );
  });

  it('marks a line that is not UTF-8 when it spans chunks, and a last line without a newline', async () => {
    const spanning = [Buffer.from('ok\nbad'), Buffer.from([0xc3]), Buffer.from([0x28]), Buffer.from('end\nnext\n')];
    expect(described(await collect(spanning))).toEqual(['ok', 'line not UTF-8', 'next']);
    expect(described(await collect([Buffer.from('ok\n'), Buffer.from([0xed, 0xa0, 0x80])]))).toEqual(['ok', 'line not UTF-8']);
  });
});
