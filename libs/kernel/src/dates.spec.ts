import { compareDates, isLocalDate, parseLocalDate } from './dates.js';

describe('calendar dates', () => {
  it.each(['2025-04-23', '2024-02-29', '2000-02-29'])('accepts the real date %s', (d) => expect(isLocalDate(d)).toBe(true));

  it.each(['2025-02-29', '1900-02-29', '2025-13-01', '2025-04-31', '2025-4-1', '2025-04-23T00:00:00Z', 20250423, null])(
    'refuses %p',
    (d) => expect(isLocalDate(d)).toBe(false),
  );

  it('names the field in the error', () => {
    expect(() => parseLocalDate('2025-02-30', 'occurredOn')).toThrow(/occurredOn/);
  });

  it('orders dates as the calendar does', () => {
    expect(['2025-05-23', '2024-05-24', '2024-12-31'].sort(compareDates)).toEqual(['2024-05-24', '2024-12-31', '2025-05-23']);
  });
});
