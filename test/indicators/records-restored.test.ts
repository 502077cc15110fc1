import { PgEventStore } from '@app/event-store';
import type { ServiceRecordBody } from '@app/recording';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { IndicatorProjections } from '../../apps/backoffice/src/indicators/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { append, corrected, event, serviceEvent } from './fixtures.js';

/** The records the quality findings read (ind_records) follow a record through its corrections, batch after batch. */
describe('records for the quality findings', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  let projections: IndicatorProjections;
  const phone: ServiceRecordBody = { kind: 'phone_contact', station: 'S1', community: 'c1', occurredOn: '2025-03-01', worker: 'w1', household: 'h1', effective: true };
  const stored = async () => (await db.pool.query<{ record_id: string; body: ServiceRecordBody }>('SELECT record_id, body FROM ind_records')).rows;
  /** Appends and projects, so each step is a batch of its own. */
  const project = async (...events: Parameters<typeof append>[1]) => {
    await store.append(append('record-R1', events));
    await projections.main.catchUp();
  };

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    store = new PgEventStore(db.pool);
    projections = new IndicatorProjections(db.pool, store);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('drops a voided record and takes it back when the void is voided in a later batch', async () => {
    await project(serviceEvent('R1', phone));
    expect(await stored()).toEqual([{ record_id: 'R1', body: phone }]);
    await project(corrected('V1', 'R1', phone, null, '误录'));
    expect(await stored()).toEqual([]);
    await project(event('RecordCorrected', { recordId: 'V2', corrects: 'V1', base: 'R1', action: 'void', reason: '作废有误', before: null, after: phone }));
    expect(await stored()).toEqual([{ record_id: 'R1', body: phone }]);
  });
});
