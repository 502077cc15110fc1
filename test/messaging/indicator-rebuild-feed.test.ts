import { PgEventStore } from '@app/event-store';
import { KafkaRelay, type IndicatorChange } from '@app/messaging';
import type { ServiceRecordBody } from '@app/recording';
import { IndicatorProjections, rebuildIndicators } from '../../apps/backoffice/src/indicators/index.js';
import { IndicatorQueryService } from '../../apps/backoffice/src/indicators/indicator-query.service.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { indicatorChangesSource } from '../../apps/backoffice/src/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { append, area, corrected, serviceEvent, stationRegistered } from '../indicators/fixtures.js';
import { brokerAvailable, kafkaClient, readTopic, uniqueName, waitFor } from './support/kafka.js';

const unavailable = await brokerAvailable();
const describeKafka = unavailable && process.env.KAFKA_REQUIRED !== '1' ? describe.skip : describe;

const at = { station: 'S1', community: 'c1', worker: 'w1' } as const;
const phone = (occurredOn: string, household: string): ServiceRecordBody => ({ kind: 'phone_contact', ...at, occurredOn, household, effective: true });
const money = (occurredOn: string, amountYuan: string): ServiceRecordBody => ({ kind: 'resource_linked', ...at, occurredOn, amountYuan, resourceType: 'money', source: 'x' });

describeKafka('socialwork.indicator-changes.v1 across a full rebuild (real broker)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    if (unavailable) throw new Error(`KAFKA_REQUIRED=1 but ${unavailable}`);
    db = await createTestDatabase(backofficeMigrations);
  });
  afterAll(async () => db?.drop());

  it("gives an outside consumer that sums the active version's deltas the projection's totals after a rebuild, not twice them", async () => {
    const store = new PgEventStore(db.pool);
    await store.append(append('setup', [stationRegistered('S1', 'D1', [area('A1', ['c1', 'c2'])])]));
    await store.append(append('p1', [serviceEvent('p1', phone('2024-03-01', 'h1'))]));
    await store.append(append('p2', [serviceEvent('p2', phone('2024-03-02', 'h2'))]));
    await store.append(append('m1', [serviceEvent('m1', money('2024-04-01', '99.90'))]));
    await store.append(append('p2', [corrected('x1', 'p2', phone('2024-03-02', 'h2'), { ...phone('2024-03-02', 'h2'), community: 'c2' }, '社区录错')]));
    const kafka = kafkaClient();
    const topic = uniqueName('test.indicator-changes');
    const relay = new KafkaRelay(db.pool, kafka, indicatorChangesSource(db.pool, topic), { batchSize: 7, pollMs: 20 });
    const changes = async () => Number((await db.pool.query('SELECT count(*) AS n FROM ind_changes')).rows[0].n);
    try {
      await relay.start();
      await new IndicatorProjections(db.pool, store).main.catchUp();
      const first = await changes();
      await waitFor('the changes published', async () => (await relay.status()).lag === 0);
      await rebuildIndicators(db.pool, store, { batchSize: 2 });
      const second = await changes();
      expect(second).toBe(first);
      await waitFor("the rebuild's changes published", async () => (await relay.status()).lag === 0);

      const distinct = (messages: { value: Buffer }[]) => new Map(messages.map((m) => {
        const change = JSON.parse(m.value.toString('utf8')) as IndicatorChange;
        return [change.changeId, change] as const;
      }));
      const feed = distinct(await readTopic(kafka, topic, (m) => distinct(m).size >= first + second));
      expect(feed.size).toBe(first + second);

      // The consumer's rule (docs/KAFKA.md): per indicator, the deltas of the version the catalog marks active.
      const { rows: active } = await db.pool.query<{ id: number; code: string }>("SELECT id, code FROM ind_definitions WHERE state = 'active'");
      const followed = Object.fromEntries(active.map(({ id, code }) => [code, [...feed.values()].filter((c) => c.definitionId === id).reduce((s, c) => s + c.delta, 0)]));
      const table = await new IndicatorQueryService(db.pool).table({ scope: 'city', from: '2024-01-01', to: '2024-12-31' });
      expect(followed).toEqual(Object.fromEntries(table.indicators.map((row, i) => [row.code, Number(table.exact[i]!.actual)])));
      expect([followed.phone_contacts, followed.resources_linked_yuan]).toEqual([2, 9990]);
    } finally {
      await relay.stop();
    }
  });
});
