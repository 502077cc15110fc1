import pg from 'pg';
import { parseTimestamptz } from './timestamps.js';

const pgParser = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (value: string) => Date | number | null;
const same = (value: string) => expect(parseTimestamptz(value)).toEqual(pgParser(value));

describe('parseTimestamptz', () => {
  it('reads what PostgreSQL writes as pg does, for every offset form and fraction length', () => {
    const offsets = ['+00', '+08', '-05', '+05:30', '-03:30', '+00:00:00', '-00:25:21'];
    const fractions = ['', '.1', '.29', '.5', '.123', '.999', '.123456', '.000001', '.57'];
    let checked = 0;
    for (let k = 0; k < 400; k++) {
      // Spread over 1970..2100, with seconds so leap days and month ends come up.
      const at = new Date(Date.UTC(1970, 0, 1) + ((k * 7_919_000_003) % 4_102_444_800_000));
      const base = at.toISOString().slice(0, 19).replace('T', ' ');
      for (const fraction of fractions) for (const offset of offsets) same(`${base}${fraction}${offset}`), checked++;
    }
    expect(checked).toBe(400 * 9 * 7);
  });

  it('keeps the truncation pg applies to fractions that binary floating point cannot hold', () => {
    expect((parseTimestamptz('2026-12-03 18:00:00.29+00') as Date).getUTCMilliseconds()).toBe((pgParser('2026-12-03 18:00:00.29+00') as Date).getUTCMilliseconds());
  });

  it('hands everything else to pg: BC years, infinities, years before 1000, text that is not a timestamp', () => {
    for (const value of ['0044-03-15 12:00:00+00 BC', 'infinity', '-infinity', '0099-01-01 00:00:00+00', '0999-12-31 23:59:59.5+00', '2026-12-03', 'not a date at all', '2026-12-03 18:00:00']) {
      same(value);
    }
  });
});
