import fc from 'fast-check';
import { compareDates, isLocalDate, parseLocalDate } from './dates.js';

describe('calendar dates', () => {
  it.each(['2025-04-23', '2024-02-29', '2000-02-29'])('accepts the real date %s', (d) => expect(isLocalDate(d)).toBe(true));

  it.each(['2025-02-29', '1900-02-29', '2025-13-01', '2025-04-31', '2025-4-1', '2025-04-23T00:00:00Z', 20250423, null])(
    'refuses %p',
    (d) => expect(isLocalDate(d)).toBe(false),
  );

  it('agrees with the calendar of Date.UTC on every YYYY-MM-DD text, and on near misses', () => {
    const byDate = (text: string): boolean => {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      if (!match) return false;
      const [y, m, d] = match.slice(1).map(Number) as [number, number, number];
      const date = new Date(Date.UTC(y, m - 1, d));
      return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
    };
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const dated = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
      .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
    const nearMiss = fc.tuple(dated, fc.nat(9), fc.constantFrom('x', '/', '0', ' ', '٣')).map(([text, at, c]) => text.slice(0, at) + c + text.slice(at + 1));
    fc.assert(fc.property(fc.oneof(dated, nearMiss, fc.string({ maxLength: 12 })), (text) => expect(isLocalDate(text)).toBe(byDate(text))), { numRuns: 20_000 });
  });

  it('names the field in the error', () => {
    expect(() => parseLocalDate('2025-02-30', 'occurredOn')).toThrow(/occurredOn/);
  });

  it('orders dates as the calendar does', () => {
    expect(['2025-05-23', '2024-05-24', '2024-12-31'].sort(compareDates)).toEqual(['2024-05-24', '2024-12-31', '2025-05-23']);
  });
});
