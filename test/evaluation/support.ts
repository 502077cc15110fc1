import type pg from 'pg';
import { PgEventStore } from '@app/event-store';
import { demoRecords } from '@app/demo-data';
import { RecordingService } from '../../apps/backoffice/src/recording/recording.service.js';
import { adminToken, tokenFor } from '../support/auth.js';

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
