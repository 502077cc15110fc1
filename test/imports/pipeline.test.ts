import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { importNdjson, openRecording, type RecordSink } from '../../apps/backoffice/src/imports/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

type Line = Record<string, unknown>;

const SETUP: Line[] = [
  { id: 'pl-district', kind: 'district', code: '440111', name: '白云区' },
  {
    id: 'pl-station',
    kind: 'station',
    code: 'P1',
    name: '流水线社工服务站',
    district: '440111',
    street: '流水线街',
    operator: '流水线社会工作服务中心',
    areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'c1', name: '一社区' }] }],
  },
  { id: 'pl-contract', kind: 'contract', code: 'P1-2025', station: 'P1', periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '100.00', targets: {} },
];
const at = { station: 'P1', community: 'c1', occurredOn: '2025-03-01', worker: '社工乙' };
const phone = (id: string): Line => ({ id, kind: 'phone_contact', ...at, effective: true });
const ndjson = (lines: (Line | string)[]): string[] => lines.map((l) => `${typeof l === 'string' ? l : JSON.stringify(l)}\n`);
const ctx = { actor: 'pipeline-test' };

/** The file as many small reads, the way a stream delivers it. */
async function* chunks(lines: string[]): AsyncGenerator<string> {
  for (const line of lines) yield line;
}

describe('import pipeline: chunks parsed ahead, written in file order', () => {
  let db: TestDatabase;
  let recording: RecordSink;
  let close: () => Promise<void>;

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    ({ recording, close } = await openRecording(db.pool));
  });
  afterAll(async () => {
    await close();
    await db.drop();
  });

  const storedInOrder = async (prefix: string): Promise<string[]> => {
    const { rows } = await db.pool.query<{ id: string }>(`SELECT metadata->>'recordId' AS id FROM es_events WHERE metadata->>'recordId' LIKE $1 ORDER BY position`, [
      `${prefix}%`,
    ]);
    return rows.map((r) => r.id);
  };

  it('decides each chunk on what the chunks before it recorded, stores the lines in file order and reports refused lines by number', async () => {
    const file: (Line | string)[] = [
      ...SETUP,
      { id: 'pl-g1', kind: 'group_formed', ...at, group: 'G1', title: '小组' },
      ...['pl-1', 'pl-2', 'pl-3', 'pl-4', 'pl-5'].map(phone),
      { id: 'pl-s1', kind: 'group_session', ...at, occurredOn: '2025-03-02', group: 'G1', attendance: 6 },
      { id: 'pl-s9', kind: 'group_session', ...at, group: 'G9', attendance: 6 },
      '{"id": "pl-broken"',
      phone('pl-6'),
    ];
    // Chunks of two: the session (line 10) is decided five chunks after its group (line 4).
    const summary = await importNdjson(chunks(ndjson(file)), recording, { ctx, chunkSize: 2 });
    expect(summary.accepted).toBe(11);
    expect(summary.duplicates).toBe(0);
    expect(summary.rejected.map((r) => [r.line, r.id, r.reason.split(':')[0]])).toEqual([
      [11, 'pl-s9', 'group_not_formed'],
      [12, null, 'malformed_json'],
    ]);
    expect(await storedInOrder('pl-')).toEqual(['pl-district', 'pl-station', 'pl-contract', 'pl-g1', 'pl-1', 'pl-2', 'pl-3', 'pl-4', 'pl-5', 'pl-s1', 'pl-6']);
  });

  it('stops at a chunk that fails to be written: the chunks parsed after it are not written and the import fails', async () => {
    let calls = 0;
    const failing: RecordSink = {
      recordBatch: (records, context, options) => {
        calls += 1;
        if (calls === 2) return Promise.reject(new Error('the database went away'));
        return recording.recordBatch(records, context, options);
      },
    };
    const file = ['st-1', 'st-2', 'st-3', 'st-4', 'st-5', 'st-6', 'st-7', 'st-8'].map(phone);
    await expect(importNdjson(chunks(ndjson(file)), failing, { ctx, chunkSize: 2 })).rejects.toThrow('the database went away');
    expect(await storedInOrder('st-')).toEqual(['st-1', 'st-2']);
    // Nothing was written after the failure, though later chunks had been parsed.
    expect(calls).toBe(2);
  });
});
