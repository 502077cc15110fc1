import { CopyChunk, copyText } from './copy-text.js';

describe('COPY text', () => {
  it('escapes backslash, tab, newline and carriage return, writes null as \\N and numbers as they are', () => {
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText('三元里 plain')).toBe('三元里 plain');
    expect(copyText(null)).toBe('\\N');
    expect(copyText(42)).toBe('42');
  });

  it('gathers rows as UTF-8 until full, grows for a row bigger than the chunk, and starts afresh after a take', () => {
    const chunk = new CopyChunk(16);
    expect(chunk.empty).toBe(true);
    chunk.add('社区\t1\n');
    expect(chunk.full).toBe(false);
    chunk.add('x'.repeat(40) + '\n');
    expect(chunk.full).toBe(true);
    const taken = chunk.take();
    expect(taken.toString('utf8')).toBe('社区\t1\n' + 'x'.repeat(40) + '\n');
    expect(chunk.empty).toBe(true);
    chunk.add('b\n');
    expect(chunk.take().toString('utf8')).toBe('b\n');
    expect(taken.toString('utf8')).toBe('社区\t1\n' + 'x'.repeat(40) + '\n');
  });

  it('adds encoded bytes as they are, growing for them, and counts the bytes added since the last take', () => {
    const chunk = new CopyChunk(4);
    chunk.add('社');
    chunk.addBytes(Buffer.from('区\t'.repeat(5)));
    expect(chunk.size).toBe(3 + 20);
    expect(chunk.take().toString('utf8')).toBe('社' + '区\t'.repeat(5));
    expect(chunk.size).toBe(0);
  });
});
