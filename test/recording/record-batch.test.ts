import { PgEventStore } from '@app/event-store';
import type { AnyRecord } from '@app/recording';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { RecordingService, recordEventId, type RecordOutcome } from '../../apps/backoffice/src/recording/recording.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ctx = { actor: 'importer', correlationId: 'batch-test' };
const at = (id: string, kind: string, fields: Record<string, unknown> = {}) =>
  ({ id, kind, station: 'S1', community: 'C1', occurredOn: '2025-01-10', worker: 'w', ...fields }) as unknown as AnyRecord;

const setup = (suffix = '') =>
  [
    { id: `district${suffix}`, kind: 'district', code: `44011${suffix || '1'}`, name: '白云区' },
    {
      id: `station${suffix}`,
      kind: 'station',
      code: `S1${suffix}`,
      name: 's',
      district: `44011${suffix || '1'}`,
      street: 'st',
      operator: 'op',
      areas: [{ code: 'A', name: 'a', communities: [{ code: 'C1', name: 'c1' }] }],
    },
    { id: `contract${suffix}`, kind: 'contract', code: `K${suffix}`, station: `S1${suffix}`, periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '10.00', targets: {} },
  ] as AnyRecord[];

const statuses = (outcomes: RecordOutcome[]) => outcomes.map((o) => (o.status === 'rejected' ? `rejected:${o.error.code}` : o.status));

describe('RecordingService.recordBatch', () => {
  let db: TestDatabase;
  let service: RecordingService;
  let store: PgEventStore;

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    store = new PgEventStore(db.pool);
    service = new RecordingService(db.pool, store);
    expect(statuses(await service.recordBatch(setup(), ctx))).toEqual(['accepted', 'accepted', 'accepted']);
  });
  afterAll(async () => db.drop());

  it('lets a record see the effects of earlier ones in the same batch, with consecutive positions', async () => {
    const outcomes = await service.recordBatch(
      [
        at('b1-open', 'case_opened', { case: 'k1', household: 'h', consentOn: '2025-01-09' }),
        at('b1-s1', 'case_session', { case: 'k1' }),
        at('b1-s2', 'case_session', { case: 'k1', occurredOn: '2025-01-11' }),
        at('b1-close', 'case_closed', { case: 'k1', occurredOn: '2025-01-12' }),
        at('b1-late', 'case_session', { case: 'k1', occurredOn: '2025-01-13' }),
      ],
      ctx,
    );
    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'rejected:case_not_open']);
    const positions = outcomes.slice(0, 4).map((o) => (o as { position: number }).position);
    expect(positions).toEqual([positions[0], positions[0]! + 1, positions[0]! + 2, positions[0]! + 3]);
    const stream = await store.readStream('case-S1/k1');
    expect(stream.map((e) => e.type)).toEqual(['CaseOpened', 'CaseSessionRecorded', 'CaseSessionRecorded', 'CaseClosed']);
    expect(stream[0]!.eventId).toBe(recordEventId('b1-open'));
    expect(stream[0]!.metadata).toMatchObject({ actor: 'importer', correlationId: 'batch-test', recordId: 'b1-open', district: '440111', station: 'S1' });
  });

  it('registers places and uses them within one batch', async () => {
    const outcomes = await service.recordBatch([...setup('2'), at('b2-pc', 'phone_contact', { station: 'S12', effective: true })], ctx);
    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
  });

  it('answers a repeated id inside a batch as a duplicate of the first, or a conflict with other content', async () => {
    const record = at('b3', 'outreach', { reached: 4 });
    const outcomes = await service.recordBatch([record, record, at('b3', 'outreach', { reached: 5 })], ctx);
    expect(statuses(outcomes)).toEqual(['accepted', 'duplicate', 'rejected:record_id_reused']);
    expect((outcomes[1] as { position: number }).position).toBe((outcomes[0] as { position: number }).position);
  });

  it('checks idempotency before the rules: a whole batch sent again is all duplicates', async () => {
    const batch = [
      at('b4-v', 'volunteer_registered', { volunteer: 'v4' }),
      at('b4-h', 'household_archived', { household: 'h4', persons: 1, category: '独居长者', riskLevel: 5 }),
      at('b4-g', 'group_formed', { group: 'g4', title: 't' }),
      at('b4-gs', 'group_session', { group: 'g4', attendance: 6 }),
      { id: 'b4-void', kind: 'correction', corrects: 'b4-gs', action: 'void', reason: 'r' } as AnyRecord,
    ];
    const first = await service.recordBatch(batch, ctx);
    expect(statuses(first)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    const again = await service.recordBatch(batch, ctx);
    expect(statuses(again)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(again.map((o) => (o as { position: number }).position)).toEqual(first.map((o) => (o as { position: number }).position));
  });

  it('corrects a shared-stream record named in the same batch and one stored earlier', async () => {
    await service.recordBatch([at('b5-old', 'phone_contact', { effective: true })], ctx);
    const outcomes = await service.recordBatch(
      [
        at('b5-new', 'phone_contact', { effective: true }),
        { id: 'b5-v1', kind: 'correction', corrects: 'b5-new', action: 'void', reason: 'r' } as AnyRecord,
        { id: 'b5-v2', kind: 'correction', corrects: 'b5-old', action: 'void', reason: 'r' } as AnyRecord,
        { id: 'b5-v3', kind: 'correction', corrects: 'b5-old', action: 'void', reason: 'again' } as AnyRecord,
        { id: 'b5-u', kind: 'correction', corrects: 'b5-v2', action: 'void', reason: 'undo' } as AnyRecord,
      ],
      ctx,
    );
    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'accepted', 'rejected:record_already_voided', 'accepted']);
    const again = await service.recordBatch([{ id: 'b5-v4', kind: 'correction', corrects: 'b5-old', action: 'void', reason: 'later' } as AnyRecord], ctx);
    expect(statuses(again)).toEqual(['accepted']);
  });

  it('appends through the caller\'s transaction, so a rollback keeps nothing', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const first = await service.recordBatch([at('b6-open', 'case_opened', { case: 'k6', household: 'h', consentOn: '2025-01-01' })], ctx, { tx: client });
      const second = await service.recordBatch([at('b6-s', 'case_session', { case: 'k6' }), at('b6-pc', 'phone_contact', { effective: true })], ctx, {
        tx: client,
      });
      expect(statuses([...first, ...second])).toEqual(['accepted', 'accepted', 'accepted']);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await store.findEvent(recordEventId('b6-open'))).toBeUndefined();
    expect(statuses(await service.recordBatch([at('b6-s', 'case_session', { case: 'k6' })], ctx))).toEqual(['rejected:case_not_open']);
  });

  it('recognises a stored record among new ones inside the caller\'s transaction, which stays usable', async () => {
    await service.recordBatch([at('b9-old', 'outreach', { reached: 2 })], ctx);
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const outcomes = await service.recordBatch([at('b9-new', 'outreach', { reached: 3 }), at('b9-old', 'outreach', { reached: 2 })], ctx, { tx: client });
      expect(statuses(outcomes)).toEqual(['accepted', 'duplicate']);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await store.findEvent(recordEventId('b9-new'))).toMatchObject({ type: 'OutreachRecorded' });
  });

  it('sees places registered by another writer after its cache was filled', async () => {
    const other = new RecordingService(db.pool, store);
    await other.recordBatch(setup('3'), ctx);
    const outcomes = await service.recordBatch([at('b7', 'home_visit', { station: 'S13', entered: true })], ctx);
    expect(statuses(outcomes)).toEqual(['accepted']);
  });

  it('lets exactly one of two concurrent registrations of a volunteer win', async () => {
    const [a, b] = await Promise.all([
      service.recordBatch([at('b8-a', 'volunteer_registered', { volunteer: 'v8' })], ctx),
      new RecordingService(db.pool, store).recordBatch([at('b8-b', 'volunteer_registered', { volunteer: 'v8' })], ctx),
    ]);
    expect(statuses([...a, ...b]).sort()).toEqual(['accepted', 'rejected:volunteer_already_registered']);
  });
});
