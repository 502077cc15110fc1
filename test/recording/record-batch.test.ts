import { PgEventStore, contentHash } from '@app/event-store';
import type { AnyRecord } from '@app/recording';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { importNdjson } from '../../apps/backoffice/src/imports/index.js';
import { RecordingService, type RecordOutcome } from '../../apps/backoffice/src/recording/recording.service.js';
import { recordEventId } from '../../apps/backoffice/src/recording/record-identities.js';
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

/** A contract of station S1 for one calendar year. */
const contractOfYear = (year: number, id: string) =>
  ({ id, kind: 'contract', code: id, station: 'S1', periodStart: `${year}-01-01`, periodEnd: `${year}-12-31`, budgetYuan: '10.00', targets: {} }) as AnyRecord;

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

  it('checks the next record against the places just appended, not against a copy up to a second old', async () => {
    const contract = (id: string) => contractOfYear(2026, id);
    // The directory is read (and so cached) first, as a busy process would have it.
    expect(statuses(await service.recordBatch([at('fresh-0', 'phone_contact', { effective: true })], ctx))).toEqual(['accepted']);

    expect(statuses(await service.recordBatch([contract('K-2026a')], ctx))).toEqual(['accepted']);
    expect(statuses(await service.recordBatch([contract('K-2026b')], ctx))).toEqual(['rejected:contract_periods_overlap']);

    const redrawn = { ...setup()[1]!, id: 'redraw-2026', effectiveFrom: '2026-01-01', areas: [{ code: 'A', name: 'a', communities: [{ code: 'C2', name: 'c2' }] }] } as AnyRecord;
    expect(statuses(await service.recordBatch([redrawn], ctx))).toEqual(['accepted']);
    const inC1 = at('fresh-1', 'phone_contact', { occurredOn: '2026-02-01', effective: true });
    expect(statuses(await service.recordBatch([inC1], ctx))).toEqual(['rejected:community_not_in_station']);
  });

  it('signs one of two overlapping contracts sent at once through two processes, each with its own copy of the places', async () => {
    const contract = (id: string) => contractOfYear(2028, id);
    const [one, two] = [new RecordingService(db.pool, store), new RecordingService(db.pool, store)];
    // Both copies of the places are read before either contract exists.
    for (const [i, service] of [one, two].entries()) {
      expect(statuses(await service.recordBatch([at(`copy-${i}`, 'phone_contact', { effective: true })], ctx))).toEqual(['accepted']);
    }

    const outcomes = await Promise.all([one.recordBatch([contract('K-2028a')], ctx), two.recordBatch([contract('K-2028b')], ctx)]);

    expect(outcomes.map(statuses).flat().sort()).toEqual(['accepted', 'rejected:contract_periods_overlap']);
  });

  it('sees the places an atomic import committed, at once', async () => {
    const contract = (id: string) => contractOfYear(2027, id);
    expect(statuses(await service.recordBatch([at('fresh-2', 'phone_contact', { effective: true })], ctx))).toEqual(['accepted']);

    const file = (async function* () {
      yield `${JSON.stringify(contract('K-2027a'))}\n`;
    })();
    const summary = await importNdjson(file, service, { ctx, atomic: true, pool: db.pool });
    expect(summary).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    expect(statuses(await service.recordBatch([contract('K-2027b')], ctx))).toEqual(['rejected:contract_periods_overlap']);
  });

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

  describe('a contact in the content hash', () => {
    const archived = (id: string, phone: string) =>
      at(id, 'household_archived', { household: `hh-${id}`, persons: 2, category: '低保', riskLevel: 3, contact: { name: '陈阿婆', phone } });
    const storedHash = async (id: string) =>
      (await db.pool.query<{ hash: string }>("SELECT metadata->>'contentHash' AS hash FROM es_events WHERE event_id = $1", [recordEventId(id)])).rows[0]!.hash;

    it('is its keyed fingerprint: the stored hash confirms no guess of the contact, and the same record again is a duplicate', async () => {
      const record = archived('fp-1', '13912345678');
      expect(statuses(await service.recordBatch([record], ctx))).toEqual(['accepted']);

      // Everything but the contact is in the event's data: with a plain hash, trying phone numbers would find it.
      expect(await storedHash('fp-1')).not.toBe(contentHash(record));
      expect(statuses(await service.recordBatch([record], ctx))).toEqual(['duplicate']);
      expect(statuses(await service.recordBatch([archived('fp-1', '13900000000')], ctx))).toEqual(['rejected:record_id_reused']);
    });

    it('answers a record sent again after its household was erased as a duplicate, by its content without the contact', async () => {
      const record = archived('fp-3', '13712345678');
      expect(statuses(await service.recordBatch([record], ctx))).toEqual(['accepted']);
      await db.pool.query("INSERT INTO auth.erasures (household, erased_by, reason) VALUES ('S1/hh-fp-3', 'test', 'r')");
      await db.pool.query("DELETE FROM auth.household_keys WHERE household = 'S1/hh-fp-3'");

      expect(statuses(await service.recordBatch([record], ctx))).toEqual(['duplicate']);
      // The contact can no longer be compared; the rest still is.
      expect(statuses(await service.recordBatch([{ ...record, riskLevel: 5 } as AnyRecord], ctx))).toEqual(['rejected:record_id_reused']);
    });

    it('still recognises a record stored with the hash as sent, before contacts were fingerprinted', async () => {
      const record = archived('fp-2', '13812345678');
      const { id: _id, kind: _kind, contact: _contact, ...fields } = record as unknown as Record<string, unknown>;
      await store.append({
        streamId: 'household-S1/hh-fp-2',
        streamType: 'household',
        expectedVersion: 'no_stream',
        events: [{ eventId: recordEventId('fp-2'), type: 'HouseholdArchived', data: { recordId: 'fp-2', ...fields }, metadata: { actor: 'old', recordId: 'fp-2', contentHash: contentHash(record) } }],
      });

      expect(statuses(await service.recordBatch([record], ctx))).toEqual(['duplicate']);
      expect(statuses(await service.recordBatch([archived('fp-2', '13800000000')], ctx))).toEqual(['rejected:record_id_reused']);
    });
  });
});

// A sequence decides a chunk while the one before is being appended, on that chunk's decided states:
// each case below would be answered wrongly if that early decision were kept when it cannot stand.
describe('RecordingService.sequence: chunks handed over at once, recorded in order', () => {
  let db: TestDatabase;
  let service: RecordingService;

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    service = new RecordingService(db.pool, new PgEventStore(db.pool));
    expect(statuses(await service.recordBatch(setup(), ctx))).toEqual(['accepted', 'accepted', 'accepted']);
  });
  afterAll(async () => db.drop());

  /** Every chunk handed to one sequence before any is recorded. */
  const inSequence = (...chunks: AnyRecord[][]) => {
    const sequence = service.sequence(ctx);
    return Promise.all(chunks.map((chunk) => sequence.record(chunk)));
  };

  it('decides a chunk on the streams the chunk before opened', async () => {
    const [formed, sessions] = await inSequence(
      [at('s1-g', 'group_formed', { group: 'g1', title: 't' }), at('s1-h', 'household_archived', { household: 'h1', persons: 2, category: '低保', riskLevel: 1 })],
      [at('s1-gs', 'group_session', { group: 'g1', attendance: 6 }), at('s1-h2', 'household_archived', { household: 'h1', persons: 2, category: '低保', riskLevel: 1 })],
    );
    expect(statuses([...formed!, ...sessions!])).toEqual(['accepted', 'accepted', 'accepted', 'rejected:household_already_archived']);
  });

  /** A store counting its appends (one record's and bulk), failing the `failing`th. */
  const countingStore = (failing = 0) =>
    new (class extends PgEventStore {
      appends = 0;
      override append(...args: Parameters<PgEventStore['append']>) {
        this.appends += 1;
        return this.appends === failing ? Promise.reject(new Error('the database went away')) : super.append(...args);
      }
      override appendBulk(...args: Parameters<PgEventStore['appendBulk']>) {
        this.appends += 1;
        return this.appends === failing ? Promise.reject(new Error('the database went away')) : super.appendBulk(...args);
      }
    })(db.pool);

  it('decides a chunk again, before appending it, when the chunk before was not appended as first decided', async () => {
    // s2-g is taken (another record's id): the group it would form is refused once that is known,
    // so the session in the next chunk has no group, though the first decision formed it.
    await service.recordBatch([at('s2-g', 'outreach', { reached: 3 })], ctx);
    const store = countingStore();
    const sequence = new RecordingService(db.pool, store).sequence(ctx);
    const [formed, session] = await Promise.all([
      sequence.record([at('s2-g', 'group_formed', { group: 'g2', title: 't' }), at('s2-o1', 'outreach', { reached: 1 })]),
      sequence.record([at('s2-gs', 'group_session', { group: 'g2', attendance: 6 }), at('s2-o2', 'outreach', { reached: 1 })]),
    ]);
    expect(statuses([...formed, ...session])).toEqual(['rejected:record_id_reused', 'accepted', 'rejected:group_not_formed', 'accepted']);
    // The first chunk's optimistic append failed on the stored id, its second went through; the
    // second chunk was appended once (not first on its early decision, refused by the group's version).
    expect(store.appends).toBe(3);
  });

  it('answers a record repeated from the chunk before as a duplicate of it', async () => {
    const record = at('s3-g', 'group_formed', { group: 'g3', title: 't' });
    const [first, again] = await inSequence([record], [record, at('s3-o', 'outreach', { reached: 1 })]);
    expect(statuses([...first!, ...again!])).toEqual(['accepted', 'duplicate', 'accepted']);
    expect((again![0] as { position: number }).position).toBe((first![0] as { position: number }).position);
  });

  it('uses places registered by the chunk before', async () => {
    const [places, visits] = await inSequence(setup('4'), [at('s4-v', 'home_visit', { station: 'S14', entered: true })]);
    expect(statuses([...places!, ...visits!])).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
  });

  it('corrects a record of the chunk before', async () => {
    const [recorded, corrected] = await inSequence(
      [at('s5-pc', 'phone_contact', { effective: true })],
      [{ id: 's5-void', kind: 'correction', corrects: 's5-pc', action: 'void', reason: 'r' } as AnyRecord],
    );
    expect(statuses([...recorded!, ...corrected!])).toEqual(['accepted', 'accepted']);
  });

  it('appends nothing after a chunk that failed, and fails the chunks after it', async () => {
    const store = countingStore(2);
    const sequence = new RecordingService(db.pool, store).sequence(ctx);
    const chunks = [1, 2, 3].map((n) => sequence.record([at(`s6-${n}a`, 'outreach', { reached: n }), at(`s6-${n}b`, 'outreach', { reached: n })]));
    const settled = await Promise.allSettled(chunks);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(store.appends).toBe(2);
    const { rows } = await db.pool.query<{ id: string }>(`SELECT metadata->>'recordId' AS id FROM es_events WHERE metadata->>'recordId' LIKE 's6-%' ORDER BY position`);
    expect(rows.map((r) => r.id)).toEqual(['s6-1a', 's6-1b']);
  });
});
