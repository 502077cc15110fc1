import type pg from 'pg';
import { PgEventStore, newEventId, type NewEvent } from '@app/event-store';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { demoRecords } from '@app/demo-data';
import { RecordingService } from '../../apps/backoffice/src/recording/recording.service.js';
import { createEvaluationApp } from '../../apps/evaluation/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { adminToken, tokenFor } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Loads the demo records of 三元里街 (its district, station, contract, services and corrections) through
 * the recording write side; 元岗街's records are left out to keep the test small.
 */
export async function loadSanyuanliDemo(pool: pg.Pool): Promise<void> {
  const records = demoRecords().filter((r) => (r.kind === 'district' ? r.code === '440111' : r.id.includes('SYL')));
  const outcomes = await new RecordingService(pool, new PgEventStore(pool)).recordBatch(records, { actor: 'demo:loader' });
  const rejected = outcomes.filter((o) => o.status === 'rejected');
  if (rejected.length > 0) throw new Error(`demo records rejected: ${rejected.length}`);
}

export interface Client {
  call<T = any>(method: string, path: string, body?: unknown, actor?: string | null): Promise<{ status: number; body: T }>;
  text(path: string): Promise<{ status: number; type: string | null; text: string }>;
  /** Waits until the read model has applied every event in the log. */
  settled(): Promise<void>;
}

export function client(base: () => string): Client {
  const call = async (method: string, path: string, body?: unknown, actor: string | null = 'staff:evaluator-office') => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    // The actor is the token's subject (a city administrator's token, so every stage is reachable).
    if (actor) headers.authorization = `Bearer ${tokenFor('city_admin', {}, actor)}`;
    const response = await fetch(`${base()}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    call,
    async text(path) {
      const response = await fetch(`${base()}${path}`, { headers: { authorization: `Bearer ${adminToken()}` } });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    },
    async settled() {
      for (let i = 0; i < 1500; i += 1) {
        const { body } = await call('GET', '/api/v1/read-model/status');
        if (body.recording >= body.recordingHead && body.cycles >= body.cyclesHead) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the evaluation read model did not catch up within 150 s');
    },
  };
}

/** A recording event in the shapes of @app/recording, recorded by a worker. */
export const recorded = (type: string, data: object): NewEvent => ({ eventId: newEventId(), type, data, metadata: { actor: 'worker:t' } });

/**
 * The evaluation service on a fresh database whose log holds `events` (each appended to a stream of
 * its own, as recorded), started before a file's tests once its read model has applied them all, and
 * closed and dropped after them.
 */
export function evaluationOn(events: () => NewEvent[]): { readonly db: TestDatabase; readonly api: Client } {
  const opened = {} as { db: TestDatabase; app?: NestFastifyApplication; base: string };
  const api = client(() => opened.base);
  beforeAll(async () => {
    opened.db = await createTestDatabase(backofficeMigrations);
    const store = new PgEventStore(opened.db.pool);
    for (const [i, e] of events().entries()) await store.append({ streamId: `record-${i}`, streamType: 'record', expectedVersion: 'no_stream', events: [e] });
    opened.app = await createEvaluationApp(opened.db.pool);
    await opened.app.listen(0, '127.0.0.1');
    opened.base = await opened.app.getUrl();
    await api.settled();
  }, 120_000);
  afterAll(async () => {
    await opened.app?.close();
    await opened.db?.drop();
  });
  return {
    get db() {
      return opened.db;
    },
    api,
  };
}
