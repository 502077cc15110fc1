import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
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
    await connectionsClosed(server, name);
    await dropDatabase(server, name);
  }
}

/**
 * Waits (up to 5 s) for the database's connections to end. A pool that a library closes without
 * waiting for it (Emmett's) may still be saying goodbye: the forced drop would then kill its clients,
 * an 'error' event no one listens to, and the benchmark process with it.
 */
async function connectionsClosed(server: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    for (let tries = 0; tries < 50; tries++) {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (rows[0]!.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
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

/** The p-th percentile of ascending samples (nearest rank; `n * p / 100` keeps 99 exact where 0.99 is not). */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

// The generated records of issue 3's benchmarks (the CLI import and the HTTP commands).

const STATION = 'B1';
const COMMUNITIES = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11', 'c12'];

/** The places and contract every generated record refers to. */
export function setupLines(): string[] {
  const areas = [0, 1, 2].map((a) => ({
    code: `A${a + 1}`,
    name: `${a + 1}片区`,
    communities: COMMUNITIES.slice(a * 4, a * 4 + 4).map((code) => ({ code, name: `${code}社区` })),
  }));
  return [
    { id: 'b-district', kind: 'district', code: '440111', name: '白云区' },
    { id: 'b-station', kind: 'station', code: STATION, name: '基准社工服务站', district: '440111', street: '基准街', operator: '基准社工机构', areas },
    {
      id: 'b-contract',
      kind: 'contract',
      code: 'B1-2025',
      station: STATION,
      periodStart: '2025-01-01',
      periodEnd: '2025-12-31',
      budgetYuan: '2400000.00',
      targets: { phone_contacts: 3000 },
    },
  ].map((line) => JSON.stringify(line));
}

/**
 * One service record of a realistic mix: mostly contacts and visits (a stream each), some activities,
 * outreach, resources; every twentieth line opens a household file, a group, or a group session
 * (streams that are read and checked).
 */
export function serviceRecord(i: number): Record<string, unknown> & { kind: string } {
  const base = {
    id: `b-${i}`,
    station: STATION,
    community: COMMUNITIES[i % COMMUNITIES.length],
    occurredOn: `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    worker: `社工${i % 40}`,
  };
  const slot = i % 20;
  if (slot < 8) return { ...base, kind: 'phone_contact', household: `H${i % 5000}`, effective: slot !== 0 };
  if (slot < 12) return { ...base, kind: 'home_visit', entered: slot !== 8 };
  if (slot === 12) return { ...base, kind: 'activity', size: i % 7 === 0 ? 'large' : 'small', title: '社区活动', attendance: 20 + (i % 50) };
  if (slot === 13) return { ...base, kind: 'outreach', reached: 10 + (i % 30) };
  if (slot === 14) return { ...base, kind: 'resource_linked', amountYuan: `${100 + (i % 900)}.${String(i % 100).padStart(2, '0')}`, resourceType: 'money', source: '爱心企业' };
  if (slot === 15) return { ...base, kind: 'regular_service', attendance: 5 + (i % 20) };
  if (slot === 16) return { ...base, kind: 'consult_case_closed' };
  if (slot === 17) return { ...base, kind: 'household_archived', household: `F${i}`, persons: 1 + (i % 4), category: '低保', riskLevel: 1 + (i % 5) };
  // A group is formed on the 18th slot and meets on the 19th, on the same or a later day.
  const group = `G${i - (slot - 18)}`;
  if (slot === 18) return { ...base, occurredOn: '2025-01-01', kind: 'group_formed', group, title: '小组' };
  return { ...base, kind: 'group_session', group, attendance: 6 + (i % 10) };
}

/** utime + stime (+ cutime + cstime: children reaped) of a process, in clock ticks; undefined once gone. */
async function processTicks(pid: number, withChildren: boolean): Promise<{ ticks: number; ppid: number; zombie: boolean } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // Fields after the command name (which may hold spaces) in parentheses: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return { ticks: at(14) + at(15) + (withChildren ? at(16) + at(17) : 0), ppid: at(4), zombie: fields[0] === 'Z' };
}

/** The benchmark server's postmaster pid, when the server is on this machine and its data folder is readable. */
async function postmasterPid(): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: benchServerUrl() });
  await client.connect();
  let dataDirectory: string;
  try {
    // Superusers and pg_read_all_settings may read it; anyone else gets no figure.
    dataDirectory = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
  const pidFile = await readFile(`${dataDirectory}/postmaster.pid`, 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

/** The live children of a process (a postmaster's backends and background workers), by pid. */
async function childrenOf(parent: number): Promise<Map<number, { ticks: number; zombie: boolean }>> {
  const children = new Map<number, { ticks: number; zombie: boolean }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = await processTicks(Number(entry), false);
    if (child?.ppid === parent) children.set(Number(entry), child);
  }
  return children;
}

/**
 * CPU time the benchmark server has used so far (ms): its postmaster's, with every backend it has
 * reaped, and its live children's. Only for a server on this machine whose data folder we can read
 * (its postmaster.pid names the postmaster); undefined otherwise. Beside the Node process's own CPU it
 * shows where a run's CPU went when both share the cores. It is the whole server's: other clients'
 * work, and the background work a run leaves behind (autovacuum, checkpoints), count too.
 */
export async function serverCpuMs(): Promise<number | undefined> {
  const postmaster = await postmasterPid();
  const own = postmaster === undefined ? undefined : await processTicks(postmaster, true);
  if (!own) return undefined;
  let ticks = own.ticks;
  for (const child of (await childrenOf(postmaster!)).values()) ticks += child.ticks;
  // Linux reports these in USER_HZ, 100 a second on every platform Node runs on.
  return ticks * 10;
}

/**
 * Waits (up to 5 s) until the backends of a database have been reaped by the postmaster. A backend
 * that has exited but is not reaped yet is counted neither among the live children nor in the
 * postmaster's children's time: a CPU reading taken then misses that backend's whole work.
 */
export async function backendsReaped(database: string): Promise<void> {
  const postmaster = await postmasterPid();
  if (postmaster === undefined) return;
  // A backend's command line names its database: "postgres: USER DATABASE HOST(PORT) STATE".
  const ofDatabase = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(` ${database} `);
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const children = [...(await childrenOf(postmaster)).entries()];
    if (children.some(([, child]) => child.zombie)) continue;
    if (!(await Promise.all(children.map(([pid]) => ofDatabase(pid)))).some(Boolean)) return;
  }
}
