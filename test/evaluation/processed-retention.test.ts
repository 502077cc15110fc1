import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PgEventStore, newEventId, readCheckpoint, type NewEvent } from '@app/event-store';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createEvaluationApp } from '../../apps/evaluation/src/bootstrap.js';
import { ReadModel } from '../../apps/evaluation/src/read-model/read-model.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { client } from './support.js';

const FEED_CHECKPOINT = 'consumer:evaluation';

/**
 * The evaluation service's processed event ids (de-duplication of re-delivered events) are pruned
 * below where each input stands, minus a margin: old ids go, an event re-delivered within the margin
 * is still ignored.
 */
describe('retention of processed event ids', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  let app: NestFastifyApplication | undefined;
  let base = '';
  const api = client(() => base);
  const phoneIds: string[] = [];

  const event = (type: string, data: object): NewEvent => ({ eventId: newEventId(), type, data, metadata: { actor: 'worker:t' } });
  const phone = (i: number) => {
    const e = event('PhoneContactRecorded', { recordId: `p${i}`, station: 'T1', community: 'C1', occurredOn: '2025-03-01', worker: 'w1', effective: true });
    phoneIds.push(e.eventId);
    return e;
  };
  const append = async (events: NewEvent[]) => {
    for (const e of events) await store.append({ streamId: `rt-${e.eventId}`, streamType: 'record', expectedVersion: 'no_stream', events: [e] });
  };
  const start = async () => {
    app = await createEvaluationApp(db.pool);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  };
  const processed = async (group: string) =>
    (await db.pool.query<{ event_id: string }>('SELECT event_id FROM evaluation.processed_events WHERE group_id = $1 ORDER BY event_id', [group])).rows.map((r) => r.event_id);
  const figures = async () => (await db.pool.query('SELECT count(*)::int AS rows, sum(delta)::int AS total FROM evaluation.indicator_changes')).rows[0];

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    store = new PgEventStore(db.pool);
    await append([
      event('DistrictRegistered', { recordId: 'd', code: '440111', name: '白云区' }),
      event('StationRegistered', { recordId: 's', code: 'T1', name: '测试站', district: '440111', street: '测试街', operator: '测试社工中心', areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'C1', name: '一社区' }] }] }),
      event('ContractSigned', { recordId: 'k', code: 'K-T1', station: 'T1', periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '1200000.00', targets: { phone_contacts: 100 } }),
      ...Array.from({ length: 10 }, (_, i) => phone(i)),
    ]);
    await start();
    await api.settled();
    expect((await api.call('POST', '/api/v1/cycles', { id: 'rt-mid', station: 'T1', contract: 'K-T1', kind: 'mid_term', cutOff: '2025-06-30', evaluator: '评估方' })).status).toBe(201);
    // Ten more services after the cycle's event: it ends up more than the margin below the head.
    await append(Array.from({ length: 10 }, (_, i) => phone(10 + i)));
    await api.settled();
    await app!.get(ReadModel).catchUp();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('keeps ids processed less than the minimum age ago, whatever their position', async () => {
    expect(await app!.get(ReadModel).pruneProcessed({ positions: 5, minAgeMs: 3_600_000 })).toBe(0);
    expect(await processed('evaluation')).toHaveLength(23);
    expect(await processed('evaluation-cycles')).toHaveLength(1);
  });

  it('removes the ids more than the margin below where each input stands, and keeps the rest', async () => {
    // Each event is appended alone: the last six services take the six positions from the feed's down to five below it.
    expect(await app!.get(ReadModel).pruneProcessed({ positions: 5, minAgeMs: 0 })).toBe(23 - 6 + 1);
    expect(await processed('evaluation')).toEqual(phoneIds.slice(-6).sort());
    expect(await processed('evaluation-cycles')).toEqual([]);
  });

  it('still ignores an event re-delivered within the margin', async () => {
    const before = await figures();
    expect(before).toEqual({ rows: 20, total: 20 });
    const head = await readCheckpoint(db.pool, FEED_CHECKPOINT);
    await app!.close();
    app = undefined;
    // Back to just below the six kept ids: those six events are delivered again.
    await db.pool.query('UPDATE es_checkpoints SET position = $2 WHERE name = $1', [FEED_CHECKPOINT, head - 6]);
    await start();
    for (let i = 0; i < 300 && (await readCheckpoint(db.pool, FEED_CHECKPOINT)) < head; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await readCheckpoint(db.pool, FEED_CHECKPOINT)).toBe(head);
    expect(await figures()).toEqual(before);
    expect(await processed('evaluation')).toEqual(phoneIds.slice(-6).sort());
  });
});
