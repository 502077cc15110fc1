import type { Caller } from '@app/auth';
import { AccessService, EventLogPlaceSource, type RecordAuthorizer } from '@app/platform';
import { importNdjson } from '../../apps/backoffice/src/imports/index.js';
import { recordingDatabase } from '../support/recording.js';
import { SETUP, at, ndjson, phone } from './fixtures.js';

/** The whole file in one read. */
async function* file(text: string): AsyncGenerator<string> {
  yield text;
}

describe('import access control: each line is authorised once', () => {
  const env = recordingDatabase();

  beforeAll(async () => {
    const setup = await importNdjson(file(ndjson(SETUP)), env.recording, { ctx: { actor: 'authorize-test:setup' } });
    expect(setup.rejected).toEqual([]);
  });

  /** The caller's record authorizer, counting the times it is asked. */
  const counted = async (caller: Caller): Promise<{ authorize: RecordAuthorizer; calls: () => number }> => {
    const real = await new AccessService(new EventLogPlaceSource(env.db.pool)).recordAuthorizer(caller);
    let calls = 0;
    return {
      authorize: (record, target) => {
        calls += 1;
        real(record, target);
      },
      calls: () => calls,
    };
  };

  it('refuses a line outside the caller’s station with one authorisation, for the same reason as before', async () => {
    const elsewhere = await counted({ id: 'worker-t2', role: 'social_worker', scope: { stations: ['T2'] } });
    const summary = await importNdjson(file(ndjson([phone('ao-out-1'), phone('ao-out-2')])), env.recording, {
      ctx: { actor: 'worker-t2', authorize: elsewhere.authorize },
    });
    expect(summary.accepted).toBe(0);
    expect(summary.rejected).toEqual([1, 2].map((line) => ({ line, id: `ao-out-${line}`, reason: 'out_of_scope: station T1 is outside the caller\'s scope' })));
    expect(elsewhere.calls()).toBe(2);
  });

  it('authorises once a line a rule refuses and a line it records', async () => {
    const own = await counted({ id: 'worker-t1', role: 'social_worker', scope: { stations: ['T1'] } });
    const summary = await importNdjson(
      file(ndjson([phone('ao-in-1'), { id: 'ao-in-session', kind: 'group_session', ...at, group: 'G-none', attendance: 3 }])),
      env.recording,
      { ctx: { actor: 'worker-t1', authorize: own.authorize } },
    );
    expect(summary.accepted).toBe(1);
    expect(summary.rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([[2, 'group_not_formed']]);
    expect(own.calls()).toBe(2);
  });
});
