import { invalid } from './errors.js';

/** A calendar date (YYYY-MM-DD) in Guangzhou; services happen on days, not instants. */
export type LocalDate = string;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DASH = 45;

/**
 * YYYY-MM-DD naming a day of the (proleptic Gregorian) calendar. Read digit by digit: every record
 * field that is a date passes here, and a regular expression and a Date made four objects per call.
 * Years below 100 are refused, as Date.UTC (which reads them as 19xx) made this check refuse them.
 */
export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string' || value.length !== 10 || value.charCodeAt(4) !== DASH || value.charCodeAt(7) !== DASH) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 7);
  const day = digitsAt(value, 8, 10);
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** The number the ASCII digits from `from` to `to` write, or -1 if any is not one. */
function digitsAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

export function parseLocalDate(value: unknown, field: string): LocalDate {
  if (!isLocalDate(value)) throw invalid('bad_date', `${field} must be a real calendar date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

/** Lexical order of YYYY-MM-DD is calendar order. */
export const compareDates = (a: LocalDate, b: LocalDate): number => (a < b ? -1 : a > b ? 1 : 0);
