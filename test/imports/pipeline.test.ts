import { PgEventStore } from '@app/event-store';
import { RecordingService } from '../../apps/backoffice/src/recording/recording.service.js';
import { importNdjson } from '../../apps/backoffice/src/imports/index.js';
import { recordingDatabase } from '../support/recording.js';
import { SETUP, at, ndjson, phone } from './fixtures.js';

const ctx = { actor: 'pipeline-test' };

/** The file as one read per line, the way a slow stream delivers it. */
async function* chunks(text: string): AsyncGenerator<string> {
  yield* text.split(/(?<=\n)/);
}

describe('import pipeline: chunks parsed ahead, written in file order', () => {
  const env = recordingDatabase();

  const storedInOrder = async (prefix: string): Promise<string[]> => {
    const { rows } = await env.db.pool.query<{ id: string }>(`SELECT metadata->>'recordId' AS id FROM es_events WHERE metadata->>'recordId' LIKE $1 ORDER BY position`, [
      `${prefix}%`,
    ]);
    return rows.map((r) => r.id);
  };

  it('decides each chunk on what the chunks before it recorded, stores the lines in file order and reports refused lines by number', async () => {
    const file = [
      ...SETUP,
      { id: 'pl-g1', kind: 'group_formed', ...at, group: 'G1', title: '小组' },
      ...['pl-1', 'pl-2', 'pl-3', 'pl-4', 'pl-5'].map((id) => phone(id)),
      { id: 'pl-s1', kind: 'group_session', ...at, occurredOn: '2025-03-02', group: 'G1', attendance: 6 },
      { id: 'pl-s9', kind: 'group_session', ...at, group: 'G9', attendance: 6 },
      '{"id": "pl-broken"',
      phone('pl-6'),
    ];
    // Chunks of two: the session (line 10) is decided five chunks after its group (line 4).
    const summary = await importNdjson(chunks(ndjson(file)), env.recording, { ctx, chunkSize: 2 });
    expect(summary.accepted).toBe(11);
    expect(summary.duplicates).toBe(0);
    expect(summary.rejected.map((r) => [r.line, r.id, r.reason.split(':')[0]])).toEqual([
      [11, 'pl-s9', 'group_not_formed'],
      [12, null, 'malformed_json'],
    ]);
    expect(await storedInOrder('')).toEqual(['imp-district', 'imp-station', 'imp-contract', 'pl-g1', 'pl-1', 'pl-2', 'pl-3', 'pl-4', 'pl-5', 'pl-s1', 'pl-6']);
  });

  it('reports progress after each chunk recorded (lines read so far), and at the end every line read, blank and refused ones after the last chunk included', async () => {
    const progress: { lines: number; accepted: number; rejected: number }[] = [];
    const file = [phone('pg-1'), 'not json', phone('pg-2'), phone('pg-3'), phone('pg-4'), '', '  '];
    const summary = await importNdjson(chunks(ndjson(file)), env.recording, {
      ctx,
      chunkSize: 2,
      onProgress: ({ lines, accepted, rejected }) => progress.push({ lines, accepted, rejected }),
    });
    expect(summary.accepted).toBe(4);
    expect(progress.at(-1)).toEqual({ lines: 7, accepted: 4, rejected: 1 });
    // Lines read so far: the parser may be ahead of the chunk just recorded.
    expect(progress[0]!.accepted).toBe(2);
    expect(progress[0]!.lines).toBeGreaterThanOrEqual(2);
  });

  it('stops at a chunk that fails to be written: the chunks parsed after it are not written and the import fails', async () => {
    let appends = 0;
    const store = new (class extends PgEventStore {
      override appendBulk(...args: Parameters<PgEventStore['appendBulk']>) {
        appends += 1;
        return appends === 2 ? Promise.reject(new Error('the database went away')) : super.appendBulk(...args);
      }
    })(env.db.pool);
    const file = ['st-1', 'st-2', 'st-3', 'st-4', 'st-5', 'st-6', 'st-7', 'st-8'].map((id) => phone(id));
    await expect(importNdjson(chunks(ndjson(file)), new RecordingService(env.db.pool, store), { ctx, chunkSize: 2 })).rejects.toThrow('the database went away');
    expect(await storedInOrder('st-')).toEqual(['st-1', 'st-2']);
    // Nothing was written after the failure, though later chunks had been parsed.
    expect(appends).toBe(2);
  });
});
