import { commandsBench } from './commands.bench.js';
import { eventStoreBench } from './event-store.bench.js';
import { importBench } from './import.bench.js';
import { indicatorsBench } from './indicators.bench.js';
import { relayBench } from './relay.bench.js';

/**
 * Named benchmarks: `npm run bench` runs them all, `npm run bench -- NAME...` the named ones.
 * A new benchmark is one line here. Sizes follow BENCH_SCALE; the server is BENCH_DATABASE_URL.
 */
const benchmarks: Record<string, () => Promise<void>> = {
  indicators: indicatorsBench,
  'event-store': eventStoreBench,
  import: importBench,
  commands: commandsBench,
  relay: relayBench,
};

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  for (const name of names.length > 0 ? names : Object.keys(benchmarks)) {
    console.log(`\n== ${name}`);
    await benchmarks[name]!();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
