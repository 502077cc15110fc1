import { invalid } from './errors.js';

/** A calendar date (YYYY-MM-DD) in Guangzhou; services happen on days, not instants. */
export type LocalDate = string;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function parseLocalDate(value: unknown, field: string): LocalDate {
  if (!isLocalDate(value)) throw invalid('bad_date', `${field} must be a real calendar date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

/** Lexical order of YYYY-MM-DD is calendar order. */
export const compareDates = (a: LocalDate, b: LocalDate): number => (a < b ? -1 : a > b ? 1 : 0);
