import type { LocalDate } from '@app/kernel';

const DAY_MS = 86_400_000;
const shift = (date: LocalDate, days: number): LocalDate => new Date(Date.parse(date) + days * DAY_MS).toISOString().slice(0, 10);
const monthStart = (date: LocalDate): LocalDate => `${date.slice(0, 8)}01`;
function monthEnd(date: LocalDate): LocalDate {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/**
 * [from, to] as whole calendar months (first days of the first and last) plus the leftover day
 * ranges at either end: a year is read from 12 monthly totals, a contract year from 11 plus two edges.
 */
export function splitMonths(from: LocalDate, to: LocalDate): { months: [LocalDate, LocalDate] | null; days: [LocalDate, LocalDate][] } {
  const firstWhole = from === monthStart(from) ? from : shift(monthEnd(from), 1);
  const lastWholeEnd = to === monthEnd(to) ? to : shift(monthStart(to), -1);
  if (firstWhole > lastWholeEnd) return { months: null, days: [[from, to]] };
  const days: [LocalDate, LocalDate][] = [];
  if (from < firstWhole) days.push([from, shift(firstWhole, -1)]);
  if (lastWholeEnd < to) days.push([shift(lastWholeEnd, 1), to]);
  return { months: [firstWhole, monthStart(lastWholeEnd)], days };
}
