import pg from 'pg';

const parseWithRegexes = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (value: string) => Date | number | null;

const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
};

/**
 * timestamptz as PostgreSQL writes it with DateStyle ISO (`2026-12-03 18:00:00.123456+00`, the
 * offset as ±hh, ±hh:mm or ±hh:mm:ss), read by position: the same Date as pg's own parser, which
 * runs three regular expressions per value and was a twentieth of an indicator catch-up. Anything
 * else (BC, infinity, years below 1000, other DateStyles) goes to pg's parser.
 */
export function parseTimestamptz(value: string): Date | number | null {
  const n = value.length;
  if (n < 22 || value[4] !== '-' || value[7] !== '-' || value[10] !== ' ' || value[13] !== ':' || value[16] !== ':') {
    return parseWithRegexes(value);
  }
  const year = digits(value, 0, 4);
  let i = 19;
  let fraction = 0;
  if (value[i] === '.') {
    const start = i;
    i++;
    while (i < n && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
    // As pg's parser: milliseconds = 1000 × the fraction, truncated by Date.UTC.
    fraction = 1000 * Number(value.slice(start, i));
  }
  const sign = value[i] === '+' ? 1 : value[i] === '-' ? -1 : 0;
  const rest = n - i - 1;
  if (year < 1000 || sign === 0 || !(rest === 2 || rest === 5 || rest === 8) || (rest > 2 && value[i + 3] !== ':') || (rest > 5 && value[i + 6] !== ':')) {
    return parseWithRegexes(value);
  }
  const offset = digits(value, i + 1, i + 3) * 3600 + (rest > 2 ? digits(value, i + 4, i + 6) * 60 : 0) + (rest > 5 ? digits(value, i + 7, i + 9) : 0);
  const utc = Date.UTC(year, digits(value, 5, 7) - 1, digits(value, 8, 10), digits(value, 11, 13), digits(value, 14, 16), digits(value, 17, 19), fraction);
  if (Number.isNaN(utc) || Number.isNaN(offset)) return parseWithRegexes(value);
  return new Date(utc - sign * offset * 1000);
}
