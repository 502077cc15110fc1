import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Kafka } from 'kafkajs';
import { PgEventStore, eventStoreMigrations } from '@app/event-store';
import {
  KafkaRelay,
  PseudonymKeys,
  consumerMigrations,
  eventLogSource,
  subscribeKafka,
  type FeedEvent,
  type FeedSubscription,
  type IndicatorChange,
} from '@app/messaging';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import type { RelayOverview } from '../../apps/backoffice/src/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch } from '../support/auth.js';
import { committedEvents, personEvent, writeConcurrently } from './support/events.js';
import {
  BROKERS,
  PrivateBroker,
  ROOT,
  brokerAvailable,
  canStartBroker,
  kafkaClient,
  readTopic,
  uniqueName,
  waitFor,
  type ReadMessage,
} from './support/kafka.js';

const unavailable = await brokerAvailable();
const required = process.env.KAFKA_REQUIRED === '1';
if (unavailable && !required) {
  const remedy = (await canStartBroker()) ? 'no Java here to run deploy/kafka/kafka.sh' : 'deploy/kafka/kafka.sh start runs one';
  process.stderr.write(`Kafka tests skipped: ${unavailable} (${remedy}; KAFKA_REQUIRED=1 fails instead)\n`);
}
const describeKafka = unavailable && !required ? describe.skip : describe;
const keys = PseudonymKeys.devOnly();

function firstDeliveries(messages: ReadMessage[]): (FeedEvent & { partition: number; key: string })[] {
  const seen = new Set<string>();
  const out: (FeedEvent & { partition: number; key: string })[] = [];
  for (const message of messages) {
    const event = JSON.parse(message.value.toString('utf8')) as FeedEvent;
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    out.push({ ...event, partition: message.partition, key: message.key });
  }
  return out;
}

const coversAll = (ids: readonly string[]) => (messages: ReadMessage[]) => {
  const got = new Set(messages.map((m) => (JSON.parse(m.value.toString('utf8')) as FeedEvent).eventId));
  return ids.every((id) => got.has(id));
};

/** Every event committed in `db`'s event log is on `topic`, and nothing else (after de-duplication by eventId). */
async function expectEveryCommittedDelivered(db: TestDatabase, kafka: Kafka, topic: string): Promise<void> {
  const committed = (await committedEvents(db.pool)).map((e) => e.eventId);
  const delivered = firstDeliveries(await readTopic(kafka, topic, coversAll(committed))).map((e) => e.eventId);
  expect(delivered.sort()).toEqual(committed.sort());
}

/** Messages that the published JSON Schema of `topic` refuses, with the reasons. */
function schemaErrors(topic: string, messages: ReadMessage[]): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, `libs/messaging/schemas/${topic}.schema.json`), 'utf8')));
  return messages
    .map((m) => JSON.parse(m.value.toString('utf8')))
    .filter((value) => !validate(value))
    .map((value) => `${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
}

async function caughtUp(relay: KafkaRelay): Promise<boolean> {
  const status = await relay.status();
  return status.lag === 0;
}

function newRelay(db: TestDatabase, kafka: Kafka, topic: string): KafkaRelay {
  return new KafkaRelay(db.pool, kafka, eventLogSource(new PgEventStore(db.pool), keys, topic), { batchSize: 25, pollMs: 20 });
}

describeKafka('Kafka relay and feed (real broker)', () => {
  beforeAll(() => {
    if (unavailable) throw new Error(`KAFKA_REQUIRED=1 but ${unavailable}`);
  });

  describe('publishing what 8 concurrent writers commit', () => {
    let db: TestDatabase;
    let relay: KafkaRelay;
    let topic: string;
    let identifiers: string[];
    let committed: Awaited<ReturnType<typeof committedEvents>>;
    let messages: ReadMessage[];

    beforeAll(async () => {
      db = await createTestDatabase(eventStoreMigrations);
      const store = new PgEventStore(db.pool);
      const kafka = kafkaClient();
      topic = uniqueName('test.events');
      relay = newRelay(db, kafka, topic);
      await relay.start();
      identifiers = await writeConcurrently(db.pool, store, 8, 25);
      await waitFor('relay to catch up', () => caughtUp(relay));
      committed = await committedEvents(db.pool);
      messages = await readTopic(kafka, topic, coversAll(committed.map((e) => e.eventId)));
    });
    afterAll(async () => {
      await relay?.stop();
      await db?.drop();
    });

    it('delivers every committed event, each exactly once after de-duplication by eventId', () => {
      expect(committed).toHaveLength(200);
      const delivered = firstDeliveries(messages).map((e) => e.eventId);
      expect(delivered.sort()).toEqual(committed.map((e) => e.eventId).sort());
    });

    it("keys each event by its station and keeps a station's events in log order in one partition", () => {
      const stationOf = new Map(committed.map((e) => [e.eventId, e.station]));
      const byKey = new Map<string, { partitions: Set<number>; positions: number[] }>();
      for (const event of firstDeliveries(messages)) {
        expect(event.key).toBe(stationOf.get(event.eventId));
        expect(event.station).toBe(event.key);
        const entry = byKey.get(event.key) ?? { partitions: new Set(), positions: [] };
        entry.partitions.add(event.partition);
        entry.positions.push(event.position);
        byKey.set(event.key, entry);
      }
      expect(byKey.size).toBe(4);
      for (const { partitions, positions } of byKey.values()) {
        expect(partitions.size).toBe(1);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }
    });

    it('publishes no personal identifier of any event: ids, names, id numbers, phones (byte scan)', () => {
      const bytes = Buffer.concat(
        messages.flatMap((m) => [Buffer.from(m.key), m.value, ...Object.values(m.headers).map((h) => Buffer.from(String(h)))]),
      ).toString('utf8');
      expect(identifiers.length).toBeGreaterThan(1000);
      // The scan reads real message content: pseudonymised fields are there, under their names.
      expect(bytes).toContain('"household":"');
      expect(identifiers.filter((id) => bytes.includes(id))).toEqual([]);
    });

    it('publishes messages an outside consumer can validate against the published JSON Schema', () => {
      expect(schemaErrors('socialwork.events.v1', messages)).toEqual([]);
    });

    it('reports as lag the events committed but not yet published while it is stopped', async () => {
      await relay.stop();
      const store = new PgEventStore(db.pool);
      for (let i = 0; i < 3; i++) await store.append(personEvent(i).request);
      expect(await relay.status()).toMatchObject({ running: false, lag: 3, topic });
    });
  });

  describe('failures', () => {
    let db: TestDatabase;

    beforeEach(async () => {
      db = await createTestDatabase(eventStoreMigrations);
    });
    afterEach(async () => db.drop());

    /** Appends `total` events, a few at a time, while `during` runs its disruption. */
    async function writeWhile(total: number, during: () => Promise<void>): Promise<void> {
      const store = new PgEventStore(db.pool);
      const writing = (async () => {
        for (let i = 0; i < total; i++) {
          await store.append(personEvent(i).request);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await during();
      await writing;
    }

    const position = async (topic: string) => {
      const { rows } = await db.pool.query<{ position: number }>('SELECT position FROM es_checkpoints WHERE name = $1', [`relay:${topic}`]);
      return rows[0]?.position ?? 0;
    };

    it('loses nothing when the broker is stopped and started in the middle of publishing', async () => {
      const cannot = await canStartBroker();
      if (cannot) throw new Error(cannot);
      const broker = new PrivateBroker();
      const kafka = kafkaClient(broker.brokers, 'restart');
      const topic = uniqueName('test.restart');
      const relay = newRelay(db, kafka, topic);
      try {
        await broker.start();
        await relay.start();
        let publishedBeforeStop = 0;
        await writeWhile(300, async () => {
          await waitFor('some events published', async () => (await position(topic)) >= 40);
          await broker.stop();
          publishedBeforeStop = await position(topic);
          await new Promise((r) => setTimeout(r, 1500));
          await broker.start();
        });
        expect(publishedBeforeStop).toBeLessThan(300);
        await waitFor('relay to catch up after the restart', () => caughtUp(relay), 60000);
        await expectEveryCommittedDelivered(db, kafka, topic);
      } finally {
        await relay.stop();
        await broker.destroy();
      }
    }, 180000);

    it('loses nothing when the relay process is killed (SIGKILL) and started again', async () => {
      const topic = uniqueName('test.crash');
      const startChild = async (): Promise<ChildProcess> => {
        const child = spawn(process.execPath, ['--import', './test/messaging/support/register-ts.mjs', 'test/messaging/support/relay-process.ts'], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: db.url, KAFKA_BROKERS: BROKERS.join(','), RELAY_TOPIC: topic, RELAY_BATCH: '10' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise<void>((resolve, reject) => {
          child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
          child.once('exit', (code) => reject(new Error(`relay process exited with ${code}`)));
        });
        return child;
      };
      let child = await startChild();
      let killedAt = 0;
      try {
        await writeWhile(200, async () => {
          await waitFor('some events published', async () => (await position(topic)) >= 30);
          child.kill('SIGKILL');
          await new Promise((r) => child.once('exit', r));
          killedAt = await position(topic);
          child = await startChild();
        });
        expect(killedAt).toBeLessThan(200);
        await waitFor('the restarted relay to publish everything', async () => (await position(topic)) === (await new PgEventStore(db.pool).headPosition()), 60000);
      } finally {
        child.kill('SIGTERM');
      }
      await expectEveryCommittedDelivered(db, kafkaClient(), topic);
    }, 120000);
  });

  it('lets one of two relays on the same checkpoint publish; the other takes over when it stops', async () => {
    const db = await createTestDatabase(eventStoreMigrations);
    const kafka = kafkaClient();
    const topic = uniqueName('test.standby');
    const [a, b] = [newRelay(db, kafka, topic), newRelay(db, kafka, topic)];
    try {
      await a.start();
      await waitFor('the first relay to take the lock', async () => (await a.status()).active);
      await b.start();
      const store = new PgEventStore(db.pool);
      for (let i = 0; i < 10; i++) await store.append(personEvent(i).request);
      await waitFor('the first relay to publish', () => caughtUp(a));
      expect([(await a.status()).active, (await b.status()).active]).toEqual([true, false]);
      await a.stop();
      for (let i = 10; i < 20; i++) await store.append(personEvent(i).request);
      await waitFor('the second relay to take over', async () => (await b.status()).active && (await caughtUp(b)));
      await expectEveryCommittedDelivered(db, kafka, topic);
    } finally {
      await a.stop();
      await b.stop();
      await db.drop();
    }
  });

  describe('consumer library on Kafka', () => {
    let db: TestDatabase;
    let topic: string;
    let deadLetterTopic: string;
    let relay: KafkaRelay;
    const subscriptions: FeedSubscription[] = [];
    const kafka = kafkaClient();

    beforeEach(async () => {
      db = await createTestDatabase([
        ...eventStoreMigrations,
        ...consumerMigrations('consumer_test'),
        { id: '9000_seen', sql: 'CREATE TABLE consumer_test.seen (seq bigserial, event_id uuid NOT NULL, position bigint NOT NULL, station text)' },
      ]);
      topic = uniqueName('test.consume');
      deadLetterTopic = `${topic}.dlq`;
      relay = newRelay(db, kafka, topic);
    });
    afterEach(async () => {
      for (const s of subscriptions.splice(0)) await s.stop();
      await relay.stop();
      await db.drop();
    });

    const consume = async (groupId: string, handle: (event: FeedEvent) => void = () => undefined) => {
      const subscription = await subscribeKafka(
        {
          pool: db.pool,
          groupId,
          schema: 'consumer_test',
          topic,
          deadLetterTopic,
          maxAttempts: 2,
          handle: async (event, tx) => {
            handle(event);
            await tx.query('INSERT INTO consumer_test.seen (event_id, position, station) VALUES ($1, $2, $3)', [
              event.eventId,
              event.position,
              event.station,
            ]);
          },
        },
        kafka,
      );
      subscriptions.push(subscription);
      return subscription;
    };
    const seen = async () =>
      (await db.pool.query<{ n: number; distinct: number }>('SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct FROM consumer_test.seen')).rows[0]!;

    async function append(count: number): Promise<string[]> {
      const store = new PgEventStore(db.pool);
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const event = personEvent(i).request;
        ids.push(event.events[0]!.eventId);
        await store.append(event);
      }
      return ids;
    }

    it('dead-letters a message that fails every attempt, with its error, and handles the ones after it', async () => {
      const ids = await append(30);
      const poison = ids[10]!;
      // Unreadable bytes on the topic too, in the partition of a station that has events after it.
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'S-YG', value: 'not json {' }] });
      await producer.disconnect();
      await relay.start();
      await consume('evaluation-test', (event) => {
        if (event.eventId === poison) throw new Error('cannot score this one');
      });
      await waitFor('the other 29 events handled', async () => (await seen()).n === 29);
      const dead = await readTopic(kafka, deadLetterTopic, (m) => m.length >= 2, 20000);
      const errors = dead.map((m) => String(m.headers['x-error'])).sort();
      expect(errors).toEqual(['Error: cannot score this one', expect.stringMatching(/^Error: not JSON/)].sort());
      const poisonLetter = dead.find((m) => String(m.headers['x-error']).includes('cannot score'))!;
      expect(JSON.parse(poisonLetter.value.toString('utf8')).eventId).toBe(poison);
      expect(String(poisonLetter.headers['x-attempts'])).toBe('2');
      const { rows } = await db.pool.query('SELECT event_id FROM consumer_test.processed_events WHERE dead_lettered');
      expect(rows).toEqual([{ event_id: poison }]);
    });

    it('applies a re-delivered event once: duplicates on the topic change nothing', async () => {
      const ids = await append(20);
      await relay.start();
      await waitFor('relay to catch up', () => caughtUp(relay));
      // Publish the first ten again, as a relay that crashed before its checkpoint would.
      const replay = await readTopic(kafka, topic, (m) => m.length >= 20);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: replay.slice(0, 10).map((m) => ({ key: m.key, value: m.value })) });
      await producer.disconnect();
      const handled: string[] = [];
      await consume('dedup-test', (event) => handled.push(event.eventId));
      await waitFor('all 20 handled', async () => (await seen()).n >= 20);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await seen()).toEqual({ n: 20, distinct: 20 });
      expect(handled.sort()).toEqual([...ids].sort());
    });

    it('continues where a stopped consumer left off, in log order per station, skipping nothing', async () => {
      await append(40);
      await relay.start();
      const first = await consume('resume-test');
      await waitFor('some handled', async () => (await seen()).n >= 5);
      await first.stop();
      subscriptions.splice(subscriptions.indexOf(first), 1);
      await append(20);
      await consume('resume-test');
      await waitFor('all 60 handled', async () => (await seen()).n >= 60);
      expect(await seen()).toEqual({ n: 60, distinct: 60 });
      const { rows } = await db.pool.query<{ station: string; positions: number[] }>(
        'SELECT station, array_agg(position ORDER BY seq) AS positions FROM consumer_test.seen GROUP BY station',
      );
      for (const { positions } of rows) expect(positions).toEqual([...positions].sort((a, b) => a - b));
    });
  });

  describe('the backoffice with KAFKA_BROKERS set', () => {
    let db: TestDatabase;
    let app: NestFastifyApplication;
    let base: string;
    const eventsTopic = uniqueName('test.bo-events');
    const changesTopic = uniqueName('test.bo-changes');
    const saved = { ...process.env };

    const line = (id: string, kind: string, fields: Record<string, unknown>) => JSON.stringify({ id, kind, ...fields });
    const at = { station: 'T1', community: 'c1', occurredOn: '2025-03-01', worker: 'W-社工甲' };
    const secrets = ['HH-secret-1', 'HH-secret-2', 'V-secret-3', 'W-社工甲', '王秘密', '440111199001011234', '13912345678'];
    const lines = [
      line('d', 'district', { code: '440111', name: '白云区' }),
      line('s', 'station', {
        code: 'T1', name: '测试街社工服务站', district: '440111', street: '测试街', operator: '测试社工中心',
        areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'c1', name: '一社区' }, { code: 'c2', name: '二社区' }] }],
      }),
      line('k', 'contract', { code: 'T1-2025', station: 'T1', periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '2400000.00', targets: { phone_contacts: 10 } }),
      line('p1', 'phone_contact', { ...at, household: 'HH-secret-1', effective: true }),
      line('p2', 'phone_contact', { ...at, community: 'c2', household: 'HH-secret-2', effective: true }),
      line('p3', 'phone_contact', { ...at, household: 'HH-secret-2', effective: false }),
      line('h1', 'household_archived', {
        ...at, household: 'HH-secret-1', persons: 2, category: 'elderly_alone', riskLevel: 5,
        contact: { name: '王秘密', idNumber: '440111199001011234', phone: '13912345678' },
      }),
      line('v1', 'volunteer_registered', { ...at, volunteer: 'V-secret-3' }),
    ].join('\n') + '\n';

    beforeAll(async () => {
      db = await createTestDatabase(backofficeMigrations);
      Object.assign(process.env, {
        KAFKA_BROKERS: BROKERS.join(','),
        KAFKA_EVENTS_TOPIC: eventsTopic,
        KAFKA_INDICATOR_CHANGES_TOPIC: changesTopic,
        PSEUDONYM_KEYS: `440111:${Buffer.alloc(32, 7).toString('base64')}`,
        KAFKA_LOG_LEVEL: 'nothing',
        INDICATOR_POLL_MS: '50',
      });
      app = await createBackofficeApp(db.pool);
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
    });
    afterAll(async () => {
      process.env = saved;
      await app?.close();
      await db?.drop();
    });

    const status = async () => (await (await adminFetch(`${base}/api/v1/relay/status`)).json()) as RelayOverview;

    it('publishes recorded services and their indicator changes, and reports both relays caught up', async () => {
      const imported = await adminFetch(`${base}/api/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines });
      expect(((await imported.json()) as { rejected: unknown[] }).rejected).toEqual([]);
      const changes = async () => Number((await db.pool.query('SELECT count(*) AS n FROM ind_changes')).rows[0].n);
      await waitFor('indicator changes projected', async () => (await changes()) > 0);
      await waitFor('both relays caught up', async () => {
        const { relays } = await status();
        return relays.length === 2 && relays.every((r) => r.lag === 0 && r.active);
      });
      const overview = await status();
      expect(overview.enabled).toBe(true);
      expect(overview.relays.map((r) => r.topic)).toEqual([eventsTopic, changesTopic]);

      const kafka = kafkaClient();
      const committed = await committedEvents(db.pool);
      const events = await readTopic(kafka, eventsTopic, coversAll(committed.map((e) => e.eventId)));
      expect(firstDeliveries(events).map((e) => e.eventId).sort()).toEqual(committed.map((e) => e.eventId).sort());
      const bytes = Buffer.concat(events.map((m) => m.value)).toString('utf8');
      expect(bytes).toContain('PhoneContactRecorded');
      expect(secrets.filter((secret) => bytes.includes(secret))).toEqual([]);

      const total = await changes();
      const published = await readTopic(kafka, changesTopic, (m) => m.length >= total);
      const values = published.map((m) => ({ key: m.key, ...(JSON.parse(m.value.toString('utf8')) as IndicatorChange) }));
      expect(new Set(values.map((v) => v.changeId)).size).toBe(total);
      values.forEach((v) => expect(v.key).toBe(v.scope));
      expect(schemaErrors('socialwork.indicator-changes.v1', published)).toEqual([]);
      const phoneDelta = (community: string) =>
        values.filter((v) => v.indicator === 'phone_contacts' && v.scope === `community:T1/${community}`).reduce((sum, v) => sum + v.delta, 0);
      expect([phoneDelta('c1'), phoneDelta('c2')]).toEqual([1, 1]);
      const changeBytes = Buffer.concat(published.map((m) => m.value)).toString('utf8');
      expect(secrets.filter((secret) => changeBytes.includes(secret))).toEqual([]);
    });
  });
});
