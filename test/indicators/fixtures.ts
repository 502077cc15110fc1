import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PgEventStore, type AppendRequest, type NewEvent } from '@app/event-store';
import { SERVICE_EVENT_TYPE, type AreaSpec, type ServiceRecordBody } from '@app/recording';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Events as the recording side appends them, built directly so these tests need no command side. */
export const event = (type: string, data: object, actor = 'worker:test'): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { actor, recordId: (data as { recordId?: string }).recordId },
});

export const append = (streamId: string, events: NewEvent[], expectedVersion: AppendRequest['expectedVersion'] = 'any'): AppendRequest => ({
  streamId,
  streamType: 'record',
  expectedVersion,
  events,
});

export function stationRegistered(code: string, district: string, areas: AreaSpec[]): NewEvent {
  return event('StationRegistered', { recordId: `station-${code}`, code, name: code, district, street: code, operator: 'NGO', areas });
}

export function serviceEvent(recordId: string, body: ServiceRecordBody, actor?: string): NewEvent {
  const { kind, ...fields } = body;
  return event(SERVICE_EVENT_TYPE[kind], { recordId, ...fields }, actor);
}

export function corrected(
  recordId: string,
  base: string,
  before: ServiceRecordBody | null,
  after: ServiceRecordBody | null,
  reason: string,
  actor = 'worker:corrector',
): NewEvent {
  return event('RecordCorrected', { recordId, corrects: base, base, action: after ? 'replace' : 'void', reason, before, after }, actor);
}

export function contractSigned(code: string, station: string, periodStart: string, periodEnd: string, targets: Record<string, number | string>): NewEvent {
  return event('ContractSigned', { recordId: `contract-${code}`, code, station, periodStart, periodEnd, budgetYuan: '2400000.00', targets });
}

export function targetsAmended(recordId: string, contract: string, station: string, targets: Record<string, number | string>, reason: string): NewEvent {
  return event('ContractTargetsAmended', { recordId, contract, station, targets, reason });
}

export const area = (code: string, communities: string[]): AreaSpec => ({
  code,
  name: code,
  communities: communities.map((c) => ({ code: c, name: c })),
});

export interface RunningBackoffice {
  db: TestDatabase;
  store: PgEventStore;
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/** A fresh database and the backoffice app listening on it (projections running). */
export async function startBackoffice(): Promise<RunningBackoffice> {
  const db = await createTestDatabase(backofficeMigrations);
  const app = await createBackofficeApp(db.pool);
  await app.listen(0, '127.0.0.1');
  return {
    db,
    store: new PgEventStore(db.pool),
    app,
    url: await app.getUrl(),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
