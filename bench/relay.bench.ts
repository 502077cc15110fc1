import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createPool, migrate } from '@app/database';
import { PgEventStore, eventStoreMigrations, type AppendRequest } from '@app/event-store';
import {
  KafkaRelay,
  PseudonymKeys,
  brokersFromEnv,
  consumerMigrations,
  createKafka,
  ensureTopics,
  eventLogSource,
  logLevel,
  subscribeKafka,
} from '@app/messaging';
import { percentile, perSecond, printTable, scaled, withFreshDatabase } from './support.js';

/**
 * Issue 5: relay throughput (events/s from the PostgreSQL log into Kafka, a backlog published from
 * scratch) and end-to-end lag from commit to a consumer (relay + Kafka + the consumer library's
 * de-duplicating transaction) at a steady 1,000 events/s. Needs a broker: KAFKA_BROKERS, else
 * 127.0.0.1:9092 (deploy/kafka/kafka.sh start). BENCH_SCALE scales the backlog and the duration.
 */
const BACKLOG = 50_000;
const STEADY_RATE = 1000;
const STEADY_SECONDS = 30;

const serviceEvent = (i: number): AppendRequest => {
  const station = `S${String(i % 40).padStart(3, '0')}`;
  const recordId = `R-${randomUUID()}`;
  return {
    streamId: `household-H${i}`,
    streamType: 'household',
    expectedVersion: 'any',
    events: [
      {
        eventId: randomUUID(),
        type: 'PhoneContactRecorded',
        data: { recordId, station, community: 'C1', occurredOn: '2026-03-02', worker: `W-${i % 97}`, household: `H${i}`, effective: true },
        metadata: { actor: 'bench', recordId, station, district: i % 2 ? '440106' : '440111' },
      },
    ],
  };
};

export async function relayBench(): Promise<void> {
  const brokers = brokersFromEnv().length > 0 ? brokersFromEnv() : ['127.0.0.1:9092'];
  const kafka = createKafka({ brokers, clientId: 'bench', logLevel: logLevel.NOTHING });
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.disconnect();
  } catch (error) {
    console.log(`relay bench skipped: no Kafka broker at ${brokers.join(',')} (${(error as Error).message})`);
    return;
  }
  const keys = PseudonymKeys.devOnly();
  const rows: string[][] = [];

  await withFreshDatabase('bench_relay', async (url) => {
    const pool = createPool(url, 10);
    try {
      await migrate(pool, eventStoreMigrations);
      const store = new PgEventStore(pool);
      const backlog = scaled(BACKLOG);
      for (let i = 0; i < backlog; i += 5000) {
        await store.appendBulk(Array.from({ length: Math.min(5000, backlog - i) }, (_, j) => serviceEvent(i + j)));
      }
      const topic = `bench.relay.${randomUUID()}`;
      const relay = new KafkaRelay(pool, kafka, eventLogSource(store, keys, topic), { batchSize: 1000 });
      await ensureTopics(kafka, [topic]);
      const start = performance.now();
      await relay.start();
      while ((await relay.status()).lag > 0) await new Promise((r) => setTimeout(r, 20));
      const seconds = (performance.now() - start) / 1000;
      await relay.stop();
      rows.push(['relay throughput (backlog, PG log -> Kafka acked)', `${perSecond(backlog / seconds)} ev/s`, `${backlog} events in ${seconds.toFixed(1)} s`]);
    } finally {
      await pool.end();
    }
  });

  await withFreshDatabase('bench_relay_lag', async (url) => {
    const pool = createPool(url, 20);
    try {
      await migrate(pool, [...eventStoreMigrations, ...consumerMigrations('bench_consumer')]);
      const store = new PgEventStore(pool);
      const topic = `bench.lag.${randomUUID()}`;
      const relay = new KafkaRelay(pool, kafka, eventLogSource(store, keys, topic), { batchSize: 500 });
      await relay.start();
      const committedAt = new Map<string, number>();
      const lags: number[] = [];
      let handled = 0;
      const consumer = await subscribeKafka(
        {
          pool,
          groupId: `bench-${randomUUID()}`,
          schema: 'bench_consumer',
          topic,
          handle: async (event) => {
            handled += 1;
            const at = committedAt.get(event.eventId);
            if (at !== undefined) lags.push(performance.now() - at);
          },
        },
        kafka,
      );
      // Warm-up: the clock starts once the consumer has joined its group and received an event.
      await store.append(serviceEvent(-1));
      while (handled === 0) await new Promise((r) => setTimeout(r, 20));
      const total = Math.round(STEADY_RATE * Math.max(1, scaled(STEADY_SECONDS)));
      const begin = performance.now();
      const pending: Promise<unknown>[] = [];
      let sent = 0;
      // Open loop: every 10 ms, append what the rate says is due, without waiting for earlier appends.
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - begin) / 1000) * STEADY_RATE));
        for (; sent < due; sent++) {
          const request = serviceEvent(sent);
          const id = request.events[0]!.eventId;
          pending.push(store.append(request).then(() => committedAt.set(id, performance.now())));
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      await Promise.all(pending);
      const offered = total / ((performance.now() - begin) / 1000);
      const deadline = Date.now() + 60_000;
      while (lags.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await consumer.stop();
      await relay.stop();
      const sorted = [...lags].sort((a, b) => a - b);
      rows.push([
        `commit -> consumer lag at ${perSecond(offered)} ev/s (${total} events)`,
        `p99 ${percentile(sorted, 99).toFixed(0)} ms`,
        `p50 ${percentile(sorted, 50).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms, received ${lags.length}/${total}`,
      ]);
    } finally {
      await pool.end();
    }
  });

  printTable(['measure', 'result', 'detail'], rows);
}
