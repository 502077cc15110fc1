import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { dropDatabase, ensureDatabase } from '@app/database';

/** The server benchmarks run on; each run gets fresh databases there and drops them afterwards. */
export function benchServerUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** BENCH_SCALE multiplies every workload size (1 = the sizes the targets are stated for). */
export function benchScale(): number {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
  return scale;
}

export const scaled = (n: number): number => Math.max(1, Math.round(n * benchScale()));

/** Runs `work` against a database created for it, dropped whatever happens. */
export async function withFreshDatabase<T>(prefix: string, work: (url: string) => Promise<T>): Promise<T> {
  const server = benchServerUrl();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(server, name);
  try {
    return await work(url);
  } finally {
    await dropDatabase(server, name);
  }
}

export async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Runs `count` calls of `task(i)`, `concurrency` at a time (each worker waits for its call to finish). */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
}

export const perSecond = (n: number): string => Math.round(n).toLocaleString('en-US');
