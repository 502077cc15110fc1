import type { SubscriptionStatus as Status } from '@app/event-store';
import type { ServiceRecordBody } from '@app/recording';
import { adminFetch, authFetch, tokenFor } from '../support/auth.js';
import { append, area, contractSigned, event, serviceEvent, stationRegistered, startBackoffice, type RunningBackoffice } from './fixtures.js';

const phone = (occurredOn: string): ServiceRecordBody => ({ kind: 'phone_contact', station: 'SY', worker: 'w1', community: 'C1', occurredOn, household: 'h1', effective: true });

describe('indicator projection status (GET /api/v1/projection/status)', () => {
  let running: RunningBackoffice;
  const status = async (): Promise<Status> => (await (await adminFetch(`${running.url}/api/v1/projection/status`)).json()) as Status;
  /** Polls until the status satisfies `done` (the projection runs in the background, retrying every second). */
  const until = async (done: (s: Status) => boolean): Promise<Status> => {
    for (let tries = 0; ; tries++) {
      const s = await status();
      if (done(s) || tries === 100) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    running = await startBackoffice();
    await running.store.append(
      append('setup', [
        event('DistrictRegistered', { recordId: 'd-440111', code: '440111', name: '白云区' }),
        stationRegistered('SY', '440111', [area('A1', ['C1'])]),
        contractSigned('K1', 'SY', '2024-05-24', '2025-05-23', { phone_contacts: 3 }),
      ]),
    );
    await running.store.append(append('p1', [serviceEvent('p1', phone('2024-06-01'))]));
  });

  afterAll(async () => {
    await running.close();
  });

  it('reports a healthy projection caught up to the log head, without an error', async () => {
    const s = await until((x) => x.lag === 0);
    expect(s).toEqual({ name: expect.any(String), running: true, checkpoint: s.head, head: expect.any(Number), lag: 0, lastError: null });
    expect(s.head).toBeGreaterThan(0);
  });

  it('is for operators only', async () => {
    const worker = await authFetch(tokenFor('social_worker', { stations: ['SY'] }))(`${running.url}/api/v1/projection/status`);
    expect(worker.status).toBe(403);
  });

  it('halts before an event it cannot handle, keeps the events after it waiting, and names the error while it retries', async () => {
    const before = (await until((x) => x.lag === 0)).checkpoint;
    // Stored behind the edge's back (the edge refuses such a date): the projection cannot place it.
    const { positions } = (await running.store.append(append('bad', [serviceEvent('bad', phone('2024-13-45'))]))) as { positions: number[] };
    await running.store.append(append('p2', [serviceEvent('p2', phone('2024-06-02'))]));
    const stuck = await until((x) => x.lastError !== null);
    expect(stuck.lastError).toEqual({ message: expect.any(String), at: expect.any(String) });
    expect(stuck.lastError!.message).toContain('2024-13-45');
    expect(stuck.checkpoint).toBeGreaterThanOrEqual(before);
    expect(stuck.checkpoint).toBeLessThan(positions[0]!);
    expect(stuck.lag).toBeGreaterThanOrEqual(2);
  });
});
