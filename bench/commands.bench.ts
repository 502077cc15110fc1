import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { JwtTokens } from '@app/platform';
import { percentile, perSecond, printTable, serviceRecord, setupLines, withFreshDatabase } from './support.js';

/**
 * Issue 3's command benchmark: single-record HTTP commands (POST /api/v1/records/{kind}) at a
 * sustained rate (BENCH_HTTP_RATE, 1,000 requests/s, for BENCH_HTTP_SECONDS, 10 s, after
 * BENCH_HTTP_WARMUP, 2 s, at that rate) against a server process started from the build, as
 * `npm start` runs it (target p99 < 20 ms). Loopback only.
 */
export async function commandsBench(): Promise<void> {
  await withFreshDatabase('bench_http', async (url) => {
    const env = process.env;
    await httpLoad(url, Number(env.BENCH_HTTP_RATE ?? 1000), Number(env.BENCH_HTTP_SECONDS ?? 10), Number(env.BENCH_HTTP_WARMUP ?? 2));
  });
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

/** Requests in flight at most (one kept-alive socket each); beyond it a due request is counted as skipped. */
const MAX_IN_FLIGHT = 512;

/**
 * The load generator shares the machine with the server: node:http on kept-alive connections costs
 * it a fraction of what fetch (undici) does, which left the server and PostgreSQL less CPU.
 */
const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });

function post(url: string, contentType: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body), authorization: BENCH_AUTH } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ok = (status: number): boolean => status >= 200 && status < 300;

interface LoadResult {
  /** Latencies in ms, sorted. */
  latencies: number[];
  failures: number;
  firstFailure: string;
  skipped: number;
  seconds: number;
}

/**
 * Open-loop load: request i is due at start + i / rate whatever happened to the ones before, and its
 * latency counts from when it was due (a slow server cannot hide its queue). At most MAX_IN_FLIGHT in flight;
 * a request due beyond that is skipped and counted.
 */
async function openLoop(command: (i: number) => Promise<{ status: number; body: string }>, rate: number, seconds: number, firstId: number): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const result: LoadResult = { latencies: [], failures: 0, firstFailure: '', skipped: 0, seconds: 0 };
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; ) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
    for (; i < due; i++) {
      const dueAt = start + (i / rate) * 1000;
      if (inFlight >= MAX_IN_FLIGHT) {
        result.skipped += 1;
        continue;
      }
      inFlight += 1;
      pending.push(
        command(firstId + i)
          .then((response) => {
            if (!ok(response.status)) {
              result.failures += 1;
              result.firstFailure ||= `${response.status} ${response.body}`;
            }
          })
          .catch((error: Error) => {
            result.failures += 1;
            result.firstFailure ||= error.message;
          })
          .finally(() => {
            inFlight -= 1;
            result.latencies.push(performance.now() - dueAt);
          }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  result.seconds = (performance.now() - start) / 1000;
  result.latencies.sort((a, b) => a - b);
  return result;
}

/**
 * One at a time first (300 requests: connections, the place directory's cache, and the latency
 * floor), then `warmUp` seconds at the rate, reported but not counted (the pool opens its
 * connections, the JIT compiles the paths concurrency takes), then `seconds` measured at the rate.
 * Each phase uses ids of its own.
 */
async function httpLoad(url: string, rate: number, seconds: number, warmUp: number): Promise<void> {
  const { base, child } = await startServer(url);
  try {
    const setup = await post(`${base}/api/v1/imports`, 'application/x-ndjson', `${setupLines().join('\n')}\n`);
    if (!ok(setup.status)) throw new Error(`setup import failed: ${setup.status} ${setup.body}`);
    // POST /api/v1/records/{kind}, one record each. Only kinds that need no earlier record (slots
    // 0–16): concurrent requests arrive in any order.
    const command = (i: number) => {
      const { kind, ...record } = serviceRecord(20 * Math.floor(i / 17) + (i % 17));
      return post(`${base}/api/v1/records/${kind}`, 'application/json', JSON.stringify(record));
    };
    const sequential: number[] = [];
    const sequentialStart = performance.now();
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await command(10_000_000 + i);
      sequential.push(performance.now() - started);
    }
    const sequentialRate = sequential.length / ((performance.now() - sequentialStart) / 1000);
    sequential.sort((a, b) => a - b);
    const warm = await openLoop(command, rate, warmUp, 20_000_000);
    const load = await openLoop(command, rate, seconds, 0);
    const latencyCells = (sorted: readonly number[]) => [percentile(sorted, 50), percentile(sorted, 99), sorted.at(-1) ?? NaN].map((ms) => ms.toFixed(1));
    const row = (name: string, r: LoadResult, target: string) => [
      name,
      perSecond(rate),
      perSecond(r.latencies.length / r.seconds),
      String(r.latencies.length),
      String(r.failures),
      String(r.skipped),
      ...latencyCells(r.latencies),
      target,
    ];
    printTable(
      ['single-record HTTP commands', 'offered/s', 'achieved/s', 'requests', 'failed', 'skipped', 'p50 ms', 'p99 ms', 'max ms', 'target p99'],
      [
        row(`POST /api/v1/records/{kind}, ${seconds} s`, load, '< 20'),
        row(`the ${warmUp} s before (warm-up, not counted)`, warm, ''),
        [
          'one at a time (300, first)',
          '',
          perSecond(sequentialRate),
          String(sequential.length),
          '',
          '',
          ...latencyCells(sequential),
          '',
        ],
      ],
    );
    const firstFailure = load.firstFailure || warm.firstFailure;
    if (firstFailure) console.log(`first failure: ${firstFailure}`);
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
