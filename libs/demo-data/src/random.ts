import type { LocalDate } from '@app/kernel';

/**
 * A small seeded generator (mulberry32): the demo must come out the same on every machine and every
 * run, so that record ids and contents are stable and a second load is all duplicates.
 */
export class Random {
  private state: number;

  constructor(seed: string) {
    let h = 2166136261;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
    this.state = h >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `count` distinct items, in a random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, count);
  }

  /** `total` split into `parts` integers, each at least `min`, summing exactly to `total`. */
  split(total: number, parts: number, min = 0): number[] {
    if (parts === 0) return [];
    const spare = total - parts * min;
    if (spare < 0) throw new Error(`cannot split ${total} into ${parts} parts of at least ${min}`);
    const weights = Array.from({ length: parts }, () => 0.5 + this.next());
    const weightSum = weights.reduce((a, b) => a + b, 0);
    const shares = weights.map((w) => Math.floor((spare * w) / weightSum));
    let left = spare - shares.reduce((a, b) => a + b, 0);
    while (left > 0) {
      shares[this.int(0, parts - 1)]! += 1;
      left -= 1;
    }
    return shares.map((share) => share + min);
  }

  /** A date in [from, to] (inclusive). */
  date(from: LocalDate, to: LocalDate): LocalDate {
    return addDays(from, this.int(0, daysBetween(from, to)));
  }
}

const DAY = 86_400_000;

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}
