import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch } from '../support/auth.js';
import { SETUP, ndjson, phone } from './fixtures.js';

type Summary = { accepted: number; duplicates: number; rejected: { line: number; id: string | null; reason: string }[] };

describe('NDJSON import: lines that must not be stored', () => {
  let db: TestDatabase;
  let base: string;
  let app: NestFastifyApplication;

  const post = async (body: string | Uint8Array): Promise<Summary> => {
    const response = await adminFetch(`${base}/api/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(response.status).toBe(200);
    return (await response.json()) as Summary;
  };
  const stored = async (prefix: string) => {
    const { rows } = await db.pool.query<{ id: string }>(`SELECT metadata->>'recordId' AS id FROM es_events WHERE metadata->>'recordId' LIKE $1 ORDER BY 1`, [`${prefix}%`]);
    return rows.map((r) => r.id);
  };

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    app = await createBackofficeApp(db.pool);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    expect((await post(ndjson(SETUP))).rejected).toEqual([]);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('reads a file opening with a byte order mark, its lines numbered as in the file', async () => {
    const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ndjson([phone('bom-1'), '{"id": "bom-broken"', phone('bom-3')]))]);
    const summary = await post(file);
    expect(summary).toMatchObject({ accepted: 2, rejected: [{ line: 2, id: null }] });
    expect(await stored('bom-')).toEqual(['bom-1', 'bom-3']);
  });

  it('refuses a line that is not UTF-8 instead of storing U+FFFD, and keeps the lines around it', async () => {
    const bad = Buffer.from(JSON.stringify(phone('utf-2', { worker: 'li-X' }))).map((byte) => (byte === 0x58 ? 0xff : byte));
    const file = Buffer.concat([Buffer.from(ndjson([phone('utf-1')])), bad, Buffer.from('\n'), Buffer.from(ndjson([phone('utf-3')]))]);
    const summary = await post(file);
    expect(summary).toEqual({ accepted: 2, duplicates: 0, rejected: [{ line: 2, id: null, reason: 'invalid_utf8: the line is not valid UTF-8' }] });
    expect(await stored('utf-')).toEqual(['utf-1', 'utf-3']);
  });

  it('refuses NUL, unpaired surrogates, Object.prototype names, null, blanks, slashes and huge counts, naming the field', async () => {
    const file = ndjson([
      phone('bad-1', { worker: 'li\u0000' }),
      phone('bad-2', { worker: 'li\uD800' }),
      '{"id":"bad-3","kind":"phone_contact","station":"T1","community":"c1","occurredOn":"2025-03-01","worker":"w","effective":true,"constructor":1}',
      '{"id":"bad-4","kind":"phone_contact","station":"T1","community":"c1","occurredOn":"2025-03-01","worker":"w","effective":true,"__proto__":{"x":1}}',
      phone('bad-5', { household: null }),
      phone('bad-6', { worker: '  ' }),
      { id: 'bad-7', kind: 'case_opened', station: 'T1', community: 'c1', occurredOn: '2025-03-01', worker: 'w', case: 'x/c', household: 'h', consentOn: '2025-03-01' },
      { id: 'bad-8', kind: 'outreach', station: 'T1', community: 'c1', occurredOn: '2025-03-01', worker: 'w', reached: 1e21 },
      phone('bad-9'),
    ]);
    const summary = await post(file);
    expect(summary.accepted).toBe(1);
    expect(summary.rejected).toEqual([
      { line: 1, id: 'bad-1', reason: 'worker must not contain NUL or unpaired surrogate characters' },
      { line: 2, id: 'bad-2', reason: 'worker must not contain NUL or unpaired surrogate characters' },
      { line: 3, id: 'bad-3', reason: 'constructor: property constructor should not exist' },
      { line: 4, id: 'bad-4', reason: '__proto__: property __proto__ should not exist' },
      { line: 5, id: 'bad-5', reason: 'household must not be null (leave it out instead)' },
      { line: 6, id: 'bad-6', reason: 'worker must not be blank' },
      { line: 7, id: 'bad-7', reason: 'case must not contain "/" or control characters' },
      { line: 8, id: 'bad-8', reason: 'reached must not be greater than 1000000' },
    ]);
    expect(await stored('bad-')).toEqual(['bad-9']);
  });
});
