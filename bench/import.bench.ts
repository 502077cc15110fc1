import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { JwtTokens } from '@app/platform';
import { importCommand } from '../apps/cli/src/import.js';
import { perSecond, printTable, scaled, withFreshDatabase } from './support.js';

/**
 * Issue 3's benchmarks. (1) A generated NDJSON file of 1,000,000 lines (× BENCH_SCALE) imported with
 * the command line's pipeline end to end: read, parse, validate, decide, append (target ≥ 50,000
 * records/s). (2) Single-record HTTP commands (POST /api/v1/records/{kind}) at a sustained rate
 * (BENCH_HTTP_RATE, 1,000 requests/s, for BENCH_HTTP_SECONDS, 10 s) against a server process started
 * from the build, as `npm start` runs it (target p99 < 20 ms). Loopback only.
 */
export async function importBench(): Promise<void> {
  await withFreshDatabase('bench_import', async (url) => {
    await fileImport(url, scaled(1_000_000));
  });
  await withFreshDatabase('bench_http', async (url) => {
    await httpLoad(url, Number(process.env.BENCH_HTTP_RATE ?? 1000), Number(process.env.BENCH_HTTP_SECONDS ?? 10));
  });
}

const STATION = 'B1';
const COMMUNITIES = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11', 'c12'];

/** The places and contract every generated record refers to. */
function setupLines(): string[] {
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
function serviceRecord(i: number): Record<string, unknown> & { kind: string } {
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

const serviceLine = (i: number): string => JSON.stringify(serviceRecord(i));

/** Writes the generated file of `lines` lines (setup first), streamed. */
export async function writeBenchFile(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${setupLines().join('\n')}\n`);
  let chunk = '';
  for (let i = 0; i < lines - 3; i++) {
    chunk += `${serviceLine(i)}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
}

/** Discards output, counting nothing: the CLI prints its summary, the bench prints the numbers. */
function quietStream(): NodeJS.WriteStream {
  return { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
}

async function fileImport(url: string, lines: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
  try {
    const file = join(dir, 'records.ndjson');
    await writeBenchFile(file, lines);
    const size = (await stat(file)).size;
    const io = { env: { DATABASE_URL: url }, stdout: quietStream(), stderr: quietStream() };
    const started = performance.now();
    const code = await importCommand([file], io);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`the generated file was not imported cleanly (exit ${code})`);
    const again = performance.now();
    await importCommand([file], io);
    const againSeconds = (performance.now() - again) / 1000;
    printTable(
      ['import (CLI pipeline, end to end)', 'lines', 'MB', 'seconds', 'records/s', 'target'],
      [
        ['first import', lines.toLocaleString('en-US'), (size / 1e6).toFixed(1), seconds.toFixed(2), perSecond(lines / seconds), '>= 50,000'],
        ['same file again (all duplicates)', lines.toLocaleString('en-US'), (size / 1e6).toFixed(1), againSeconds.toFixed(2), perSecond(lines / againSeconds), ''],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The server signs tokens with this key; the load runs as the city administrator.
const BENCH_SECRET = randomBytes(48).toString('base64url');
const BENCH_AUTH = `Bearer ${new JwtTokens(BENCH_SECRET).issue({ id: 'bench', role: 'city_admin', scope: {} }, { ttlSeconds: 24 * 3600 })}`;

/** The built platform (`npm start`'s entry) on the given database, on a free loopback port. */
async function startServer(url: string): Promise<{ base: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', './tools/register-aliases.mjs', 'dist/apps/cli/src/main.js', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      AUTH_JWT_SECRET: BENCH_SECRET,
      PORT: '0',
      EVALUATION_PORT: '0',
      HOST: '127.0.0.1',
      DEMO_DATA: 'off',
      LOG_LEVEL: 'warn',
      // The load comes from one loopback client: the per-client limits would measure the limiter.
      RATE_LIMIT_REQUESTS: '100000000',
      RATE_LIMIT_IMPORTS: '100000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000);
    child.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /backoffice\s+(http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  child.stdout!.resume();
  return { base, child };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/**
 * Open-loop load: request i is due at start + i / rate whatever happened to the ones before, and its
 * latency counts from when it was due (a slow server cannot hide its queue). At most 512 in flight.
 */
async function httpLoad(url: string, rate: number, seconds: number): Promise<void> {
  const { base, child } = await startServer(url);
  try {
    const setup = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: BENCH_AUTH },
      body: `${setupLines().join('\n')}\n`,
    });
    if (!setup.ok) throw new Error(`setup import failed: ${setup.status} ${await setup.text()}`);
    // POST /api/v1/records/{kind}, one record each. Only kinds that need no earlier record (slots
    // 0–16): concurrent requests arrive in any order.
    const command = (i: number) => {
      const { kind, ...record } = serviceRecord(20 * Math.floor(i / 17) + (i % 17));
      return fetch(`${base}/api/v1/records/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: BENCH_AUTH },
        body: JSON.stringify(record),
      });
    };
    // Warm-up (other ids): connections, JIT, the place directory's cache; also the latency of one
    // request at a time, the floor under any load.
    const sequential: number[] = [];
    const warmStart = performance.now();
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await (await command(10_000_000 + i)).arrayBuffer();
      sequential.push(performance.now() - started);
    }
    const sequentialRate = sequential.length / ((performance.now() - warmStart) / 1000);
    sequential.sort((a, b) => a - b);

    const total = Math.round(rate * seconds);
    const latencies: number[] = [];
    let failures = 0;
    let firstFailure = '';
    let skipped = 0;
    let inFlight = 0;
    const pending: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < total; ) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
      for (; i < due; i++) {
        const dueAt = start + (i / rate) * 1000;
        if (inFlight >= 512) {
          skipped += 1;
          continue;
        }
        inFlight += 1;
        pending.push(
          command(i)
            .then(async (response) => {
              const body = await response.text();
              if (!response.ok) {
                failures += 1;
                firstFailure ||= `${response.status} ${body}`;
              }
            })
            .catch((error: Error) => {
              failures += 1;
              firstFailure ||= error.message;
            })
            .finally(() => {
              inFlight -= 1;
              latencies.push(performance.now() - dueAt);
            }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    printTable(
      ['single-record HTTP commands', 'offered/s', 'achieved/s', 'requests', 'failed', 'skipped', 'p50 ms', 'p99 ms', 'max ms', 'target p99'],
      [
        [
          'POST /api/v1/records/{kind}',
          perSecond(rate),
          perSecond(latencies.length / elapsed),
          String(latencies.length),
          String(failures),
          String(skipped),
          percentile(latencies, 50).toFixed(1),
          percentile(latencies, 99).toFixed(1),
          (latencies.at(-1) ?? NaN).toFixed(1),
          '< 20',
        ],
        [
          'same, one at a time (warm-up)',
          '',
          perSecond(sequentialRate),
          String(sequential.length),
          '',
          '',
          percentile(sequential, 50).toFixed(1),
          percentile(sequential, 99).toFixed(1),
          (sequential.at(-1) ?? NaN).toFixed(1),
          '',
        ],
      ],
    );
    if (firstFailure) console.log(`first failure: ${firstFailure}`);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
