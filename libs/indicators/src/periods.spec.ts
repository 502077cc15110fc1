import { splitMonths } from './periods.js';

describe('splitMonths', () => {
  it('reads a calendar year as twelve whole months', () => {
    expect(splitMonths('2024-01-01', '2024-12-31')).toEqual({ months: ['2024-01-01', '2024-12-01'], days: [] });
  });

  it('reads a contract year as whole months plus the edge days', () => {
    expect(splitMonths('2024-05-24', '2025-05-23')).toEqual({
      months: ['2024-06-01', '2025-04-01'],
      days: [['2024-05-24', '2024-05-31'], ['2025-05-01', '2025-05-23']],
    });
  });

  it('reads a period within one month (or across two partial ones) as days only', () => {
    expect(splitMonths('2024-02-10', '2024-02-20')).toEqual({ months: null, days: [['2024-02-10', '2024-02-20']] });
    expect(splitMonths('2024-01-15', '2024-02-28')).toEqual({ months: null, days: [['2024-01-15', '2024-02-28']] });
    expect(splitMonths('2024-02-01', '2024-02-29')).toEqual({ months: ['2024-02-01', '2024-02-01'], days: [] });
  });
});
