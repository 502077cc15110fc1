import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { importCommand } from '../apps/cli/src/import.js';
import { backendsReaped, perSecond, printTable, scaled, serverCpuMs, serviceRecord, setupLines, withFreshDatabase } from './support.js';

/**
 * Issue 3's import benchmark: a generated NDJSON file of 1,000,000 lines (× BENCH_SCALE) imported with
 * the command line's pipeline end to end: read, parse, validate, decide, append (target ≥ 50,000
 * records/s). The HTTP commands have their own benchmark (commands.bench.ts).
 */
export async function importBench(): Promise<void> {
  await withFreshDatabase('bench_import', async (url) => {
    await fileImport(url, scaled(1_000_000));
  });
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
    // The Node process's CPU per record and the server's beside the rate: on a machine of few cores
    // the import is bound by them (they share the cores), not by either one's waiting.
    const run = async (): Promise<{ code: number; seconds: number; cpuUs: number; serverUs?: number }> => {
      const server = await serverCpuMs();
      const started = performance.now();
      const cpu = process.cpuUsage();
      const code = await importCommand([file], io);
      const { user, system } = process.cpuUsage(cpu);
      const seconds = (performance.now() - started) / 1000;
      if (server !== undefined) await backendsReaped(new URL(url).pathname.slice(1));
      const serverAfter = server === undefined ? undefined : await serverCpuMs();
      return { code, seconds, cpuUs: (user + system) / lines, serverUs: serverAfter === undefined ? undefined : ((serverAfter - server!) * 1000) / lines };
    };
    const first = await run();
    if (first.code !== 0) throw new Error(`the generated file was not imported cleanly (exit ${first.code})`);
    const again = await run();
    const row = (name: string, { seconds, cpuUs, serverUs }: { seconds: number; cpuUs: number; serverUs?: number }, target: string) => [
      name,
      lines.toLocaleString('en-US'),
      (size / 1e6).toFixed(1),
      seconds.toFixed(2),
      perSecond(lines / seconds),
      cpuUs.toFixed(1),
      serverUs === undefined ? '-' : serverUs.toFixed(1),
      target,
    ];
    printTable(
      ['import (CLI pipeline, end to end)', 'lines', 'MB', 'seconds', 'records/s', 'Node CPU µs/record', 'whole server CPU µs/record', 'target'],
      [row('first import', first, '>= 50,000'), row('same file again (all duplicates)', again, '')],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
