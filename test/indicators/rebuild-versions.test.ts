import { PgEventStore } from '@app/event-store';
import type { IndicatorChange } from '@app/messaging';
import type { ServiceRecordBody } from '@app/recording';
import { IndicatorProjections, rebuildIndicators } from '../../apps/backoffice/src/indicators/index.js';
import { IndicatorQueryService } from '../../apps/backoffice/src/indicators/indicator-query.service.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { indicatorChangesSource } from '../../apps/backoffice/src/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { append, area, corrected, serviceEvent, stationRegistered } from './fixtures.js';

/**
 * A full rebuild publishes every recomputed change again on socialwork.indicator-changes.v1. A
 * consumer that keeps the feed's changes (de-duplicated by changeId) and sums the deltas of the
 * version the catalog marks active must still count each change once: the rebuild's changes go out
 * under new definition versions.
 */

const at = { station: 'S1', community: 'c1', worker: 'w1' } as const;
const phone = (occurredOn: string, household: string, effective: boolean): ServiceRecordBody => ({ kind: 'phone_contact', ...at, occurredOn, household, effective });
const money = (occurredOn: string, amountYuan: string): ServiceRecordBody => ({ kind: 'resource_linked', ...at, occurredOn, amountYuan, resourceType: 'money', source: 'x' });
const archived = (occurredOn: string, household: string, community = 'c1'): ServiceRecordBody => ({
  kind: 'household_archived', ...at, community, occurredOn, household, persons: 2, category: '低保', riskLevel: 3,
});
const YEAR = { scope: 'city', from: '2024-01-01', to: '2024-12-31' };

describe('indicator rebuild: new definition versions for the republished changes', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  let queries: IndicatorQueryService;
  let n = 0;

  const record = async (body: ServiceRecordBody) => {
    const id = `r${++n}`;
    await store.append(append(id, [serviceEvent(id, body)]));
    return id;
  };

  /** What the relay publishes, read through its own source, as an outside consumer keeps it (by changeId). */
  const feed = new Map<number, IndicatorChange>();
  async function readFeed(): Promise<void> {
    const source = indicatorChangesSource(db.pool);
    let after = Math.max(0, ...feed.keys());
    for (;;) {
      const { messages, next } = await source.read(after, 1000);
      for (const m of messages) feed.set(m.position, JSON.parse(m.value) as IndicatorChange);
      if (next === after) return;
      after = next;
    }
  }

  /** Per code: the consumer's sum of the active version's deltas, and the projection's total (station-day grain). */
  async function consumerAndProjection(): Promise<{ consumer: Record<string, bigint>; projection: Record<string, bigint> }> {
    const { rows: active } = await db.pool.query<{ id: number; code: string }>("SELECT id, code FROM ind_definitions WHERE state = 'active'");
    const consumer: Record<string, bigint> = {};
    for (const { id, code } of active) {
      consumer[code] = [...feed.values()].filter((c) => c.definitionId === id).reduce((sum, c) => sum + BigInt(c.delta), 0n);
    }
    const table = await queries.table(YEAR);
    const projection = Object.fromEntries(table.indicators.map((row, i) => [row.code, table.exact[i]!.actual]));
    return { consumer, projection };
  }

  const versions = async (code: string) =>
    (await db.pool.query<{ version: number; state: string }>('SELECT version, state FROM ind_definitions WHERE code = $1 ORDER BY version', [code])).rows.map(
      (r) => [r.version, r.state],
    );

  beforeEach(async () => {
    db = await createTestDatabase(backofficeMigrations);
    store = new PgEventStore(db.pool);
    queries = new IndicatorQueryService(db.pool);
    feed.clear();
    await store.append(append('setup', [stationRegistered('S1', 'D1', [area('A1', ['c1']), area('A2', ['c2'])])]));
    await record(phone('2024-03-01', 'h1', true));
    await record(phone('2024-03-02', 'h2', false));
    await record(money('2024-04-01', '1234.56'));
    await record(archived('2024-05-01', 'h1'));
    const moved = await record(archived('2024-05-02', 'h2'));
    await store.append(append(moved, [corrected('fix', moved, archived('2024-05-02', 'h2'), archived('2024-05-03', 'h2', 'c2'), '社区录错')]));
  });
  afterEach(async () => db.drop());

  it('gives every active definition a new version with the same content, so a consumer of the feed counts each change once', async () => {
    await new IndicatorProjections(db.pool, store).main.catchUp();
    await readFeed();
    const before = await consumerAndProjection();
    expect(before.consumer.phone_contacts).toBe(1n);
    expect(before.consumer.resources_linked_yuan).toBe(123456n);
    expect(before.consumer).toEqual(before.projection);
    const { rows: old } = await db.pool.query<{ code: string; version: number; definition: unknown }>(
      "SELECT code, version, definition FROM ind_definitions WHERE state = 'active' ORDER BY code",
    );

    const published = Math.max(...feed.keys());

    await rebuildIndicators(db.pool, store, { batchSize: 2 });
    await readFeed();

    const after = await consumerAndProjection();
    expect(after.projection).toEqual(before.projection);
    expect(after.consumer).toEqual(before.projection);
    const { rows: renewed } = await db.pool.query<{ code: string; version: number; definition: unknown }>(
      "SELECT code, version, definition FROM ind_definitions WHERE state = 'active' ORDER BY code",
    );
    expect(renewed).toEqual(old.map((d) => ({ ...d, version: d.version + 1 })));
    expect(await versions('phone_contacts')).toEqual([[1, 'retired'], [2, 'active']]);
    // The rebuild published every change again, each under a renewed version.
    const republished = [...feed.values()].filter((c) => c.changeId > published);
    expect(republished.length * 2).toBe(feed.size);
    expect(new Set(republished.map((c) => c.definitionVersion))).toEqual(new Set([2]));
  });

  it('builds a definition version that was being built during the rebuild again under a new version, and switches to it', async () => {
    const projections = new IndicatorProjections(db.pool, store, { batchSize: 2, pollMs: 20 });
    try {
      await projections.main.catchUp();
      // Recorded after the main projection's catch-up: the build below gets ahead of it and waits to switch.
      await record(phone('2024-06-01', 'h3', false));
      const changed = await projections.define(
        { code: 'phone_contacts', name: '电话访问(含短信)', unit: '个', kind: 'phone_contact', filter: {}, measure: { type: 'count' } },
        true,
      );
      const head = await store.headPosition();
      const buildAt = async () =>
        (await db.pool.query<{ position: number }>('SELECT position FROM es_checkpoints WHERE name = $1', [`indicators:build:${changed.id}`])).rows[0]?.position;
      for (let i = 0; i < 400 && (await buildAt()) !== head; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await buildAt()).toBe(head);
      await readFeed();
      expect([...feed.values()].some((c) => c.definitionId === changed.id)).toBe(true);

      await rebuildIndicators(db.pool, store, { batchSize: 2 });
      await projections.whenBuilt(changed.id);
      for (let i = 0; i < 400 && (await versions('phone_contacts')).at(-1)![1] !== 'active'; i++) await new Promise((r) => setTimeout(r, 25));
      await readFeed();

      // 1 the original, 2 the change being built, 3 the original renewed, 4 the change renewed and switched to.
      expect(await versions('phone_contacts')).toEqual([[1, 'retired'], [2, 'retired'], [3, 'retired'], [4, 'active']]);
      const { rows: [active] } = await db.pool.query("SELECT definition FROM ind_definitions WHERE code = 'phone_contacts' AND state = 'active'");
      expect(active.definition.filter).toEqual({});
      const { consumer, projection } = await consumerAndProjection();
      expect(projection.phone_contacts).toBe(3n);
      expect(consumer).toEqual(projection);
      // The superseded build wrote nothing after the rebuild, and left no checkpoint behind.
      const { rows: [{ n: stray }] } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ind_changes WHERE definition_id = $1', [changed.id]);
      expect(stray).toBe(0);
      const { rows: checkpoints } = await db.pool.query("SELECT name FROM es_checkpoints WHERE name LIKE 'indicators:build:%'");
      expect(checkpoints).toEqual([]);
    } finally {
      await projections.stop();
    }
  });
});
