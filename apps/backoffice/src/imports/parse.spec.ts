import { NOT_UTF8, TOO_LONG, type Line } from './ndjson.js';
import { parsedChunks, type ParsedChunk } from './parse.js';

const phone = (id: string) => JSON.stringify({ id, kind: 'phone_contact', station: 'S1', community: 'c1', occurredOn: '2025-03-01', worker: 'w', household: 'H1', effective: true });

async function parse(lines: Line[][], chunkSize: number): Promise<ParsedChunk[]> {
  const chunks: ParsedChunk[] = [];
  for await (const chunk of parsedChunks((async function* () { yield* lines; })(), chunkSize)) chunks.push(chunk);
  return chunks;
}

describe('parsedChunks', () => {
  it('cuts valid records into chunks of the given size, each with its identities, line numbers and lines read so far', async () => {
    const chunks = await parse([[phone('a'), phone('b'), phone('c')], [phone('d'), phone('e')]], 2);
    expect(chunks.map((c) => c.records.map((r) => r.id))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(chunks.map((c) => c.numbers)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks.map((c) => c.lines)).toEqual([2, 4, 5]);
    for (const chunk of chunks) {
      expect(chunk.identities.eventIds).toHaveLength(chunk.records.length);
      expect(new Set(chunk.identities.hashes).size).toBe(chunk.records.length);
    }
  });

  it('refuses bad lines by number with their reason, skips blank lines without losing their numbers', async () => {
    const [chunk, ...more] = await parse([[phone('a'), '', '{"id":"x",', '  '], [TOO_LONG, NOT_UTF8, '{"id":"y","kind":"teleport"}', '[1]', phone('b')]], 10);
    expect(more).toEqual([]);
    expect(chunk!.numbers).toEqual([1, 9]);
    expect(chunk!.lines).toBe(9);
    expect(chunk!.rejected.map(({ line, id, reason }) => [line, id, reason])).toEqual([
      [3, null, expect.stringMatching(/^malformed_json: /)],
      [5, null, expect.stringMatching(/^line_too_long: /)],
      [6, null, 'invalid_utf8: the line is not valid UTF-8'],
      [7, 'y', expect.stringMatching(/^kind must be one of .* \(got "teleport"\)$/)],
      [8, null, 'a record must be a JSON object'],
    ]);
  });

  it('hands on a last chunk holding only refused lines, or only the count of blank lines after the last full chunk', async () => {
    expect((await parse([['nope']], 5)).map((c) => [c.records.length, c.rejected.length, c.lines])).toEqual([[0, 1, 1]]);
    expect((await parse([[phone('a'), phone('b'), '', ' ']], 2)).map((c) => [c.records.length, c.rejected.length, c.lines])).toEqual([
      [2, 0, 2],
      [0, 0, 4],
    ]);
    expect(await parse([[phone('a'), phone('b')]], 2)).toHaveLength(1);
    expect(await parse([], 2)).toEqual([]);
  });
});
