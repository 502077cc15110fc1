import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { importCommand, type CliIo } from '../../apps/cli/src/import.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch } from '../support/auth.js';
import { SETUP, at, ndjson, phone, type Line } from './fixtures.js';

const visit = (id: string): Line => ({ id, kind: 'home_visit', ...at, community: 'c2', entered: true });

describe('NDJSON import (POST /api/v1/imports and the command line)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;

  const post = async (body: string | ReadableStream<Uint8Array>, query = '', type = 'application/x-ndjson') => {
    const response = await adminFetch(`${base}/api/v1/imports${query}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    return { status: response.status, body: (await response.json()) as { accepted: number; duplicates: number; rejected: { line: number; id: string | null; reason: string }[]; message?: string } };
  };
  const stored = async (ids: string[]) => {
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT metadata->>'recordId' AS id FROM es_events WHERE metadata->>'recordId' = ANY($1::text[]) ORDER BY 1`,
      [ids],
    );
    return rows.map((r) => r.id);
  };
  const eventCount = async () => Number((await db.pool.query<{ n: number }>('SELECT count(*) AS n FROM es_events')).rows[0]!.n);

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    app = await createBackofficeApp(db.pool);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    const setup = await post(ndjson(SETUP));
    expect(setup.body).toEqual({ accepted: SETUP.length, duplicates: 0, rejected: [] });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('records every line of a good file and answers {accepted, duplicates, rejected}', async () => {
    const lines = [
      phone('good-1'),
      visit('good-2'),
      { id: 'good-3', kind: 'activity', ...at, size: 'large', title: '中秋邻里节', attendance: 120, partners: 2 },
      { id: 'good-4', kind: 'resource_linked', ...at, amountYuan: '523106.71', resourceType: 'money', source: '爱心企业' },
      { id: 'good-5', kind: 'group_formed', ...at, group: 'G1', title: '长者健康小组' },
      { id: 'good-6', kind: 'group_session', ...at, occurredOn: '2025-03-08', group: 'G1', attendance: 9 },
    ];
    const before = await eventCount();
    const { status, body } = await post(ndjson(lines));
    expect(status).toBe(200);
    expect(body).toEqual({ accepted: 6, duplicates: 0, rejected: [] });
    expect(await stored(lines.map((l) => l.id as string))).toEqual(['good-1', 'good-2', 'good-3', 'good-4', 'good-5', 'good-6']);
    expect(await eventCount()).toBe(before + 6);
  });

  it('keeps the good lines of a file with bad ones and reports each bad line by number, id and reason', async () => {
    const lines: (Line | string)[] = [
      phone('mixed-ok-1'), // 1
      '{"id": "mixed-malformed", "kind": ', // 2 malformed JSON
      { ...phone('mixed-kind'), kind: 'teleport' }, // 3 unknown kind
      phone('mixed-field', { colour: 'red' }), // 4 unknown field
      phone('mixed-type', { effective: 'yes' }), // 5 wrong type
      (({ worker: _w, ...rest }) => rest)(phone('mixed-missing')), // 6 missing field
      phone('mixed-date', { occurredOn: '2025-02-30' }), // 7 bad date
      { id: 'mixed-negative', kind: 'activity', ...at, size: 'small', title: '手工', attendance: -3 }, // 8 negative number
      { id: 'mixed-float', kind: 'resource_linked', ...at, amountYuan: 12.5, resourceType: 'money', source: '商户' }, // 9 float money
      phone('mixed-station', { station: 'NOPE' }), // 10 unknown station
      phone('mixed-community', { community: 'c9' }), // 11 community not of the station
      phone('mixed-ok-1', { effective: false }), // 12 same id, other content
      visit('mixed-ok-2'), // 13
      '', // 14 blank: skipped, still counted
      phone('mixed-ok-3'), // 15
    ];
    const { status, body } = await post(ndjson(lines, '\r\n'));
    expect(status).toBe(200);
    expect(body.accepted).toBe(3);
    expect(body.duplicates).toBe(0);
    expect(body.rejected.map((r) => [r.line, r.id])).toEqual([
      [2, null],
      [3, 'mixed-kind'],
      [4, 'mixed-field'],
      [5, 'mixed-type'],
      [6, 'mixed-missing'],
      [7, 'mixed-date'],
      [8, 'mixed-negative'],
      [9, 'mixed-float'],
      [10, 'mixed-station'],
      [11, 'mixed-community'],
      [12, 'mixed-ok-1'],
    ]);
    const reasons = Object.fromEntries(body.rejected.map((r) => [r.line, r.reason]));
    expect(reasons[2]).toMatch(/malformed_json/);
    expect(reasons[3]).toMatch(/kind must be one of/);
    expect(reasons[4]).toMatch(/colour/);
    expect(reasons[5]).toMatch(/effective/);
    expect(reasons[6]).toMatch(/worker/);
    expect(reasons[7]).toMatch(/occurredOn/);
    expect(reasons[8]).toMatch(/attendance/);
    expect(reasons[9]).toMatch(/amountYuan/);
    expect(reasons[10]).toMatch(/station/i);
    expect(reasons[11]).toMatch(/community/i);
    expect(reasons[12]).toMatch(/record_id_reused/);
    expect(await stored(['mixed-ok-1', 'mixed-ok-2', 'mixed-ok-3', 'mixed-kind', 'mixed-date', 'mixed-station', 'mixed-community'])).toEqual([
      'mixed-ok-1',
      'mixed-ok-2',
      'mixed-ok-3',
    ]);
    const { rows } = await db.pool.query(`SELECT data FROM es_events WHERE metadata->>'recordId' = 'mixed-ok-1'`);
    expect(rows).toEqual([{ data: expect.objectContaining({ effective: true }) }]);
  });

  it('with atomic=true keeps nothing when any line is refused, by the validator or by a domain rule', async () => {
    const before = await eventCount();
    const domain = await post(ndjson([phone('atomic-1'), visit('atomic-2'), phone('atomic-3', { community: 'c9' })]), '?atomic=true');
    expect(domain.body).toEqual({ accepted: 0, duplicates: 0, rejected: [expect.objectContaining({ line: 3, id: 'atomic-3' })] });
    const syntax = await post(ndjson([phone('atomic-1'), '{not json']), '?atomic=true');
    expect(syntax.body).toEqual({ accepted: 0, duplicates: 0, rejected: [expect.objectContaining({ line: 2, id: null })] });
    expect(await stored(['atomic-1', 'atomic-2'])).toEqual([]);
    expect(await eventCount()).toBe(before);

    const clean = await post(ndjson([phone('atomic-1'), visit('atomic-2')]), '?atomic=true');
    expect(clean.body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await stored(['atomic-1', 'atomic-2'])).toEqual(['atomic-1', 'atomic-2']);
  });

  it('changes nothing when the same file is imported twice: the second time every line is a duplicate', async () => {
    const file = ndjson([phone('twice-1'), visit('twice-2'), { id: 'twice-3', kind: 'outreach', ...at, reached: 40 }]);
    expect((await post(file)).body).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const after = await eventCount();
    expect((await post(file)).body).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect((await post(file, '?atomic=true')).body).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect(await eventCount()).toBe(after);
  });

  it('streams a body larger than the app body limit, cut at arbitrary bytes (even inside a character)', async () => {
    const lines = Array.from({ length: 12_000 }, (_, i) => phone(`stream-${i}`, { household: `户-${i}`, occurredOn: `2025-0${1 + (i % 9)}-1${i % 10}` }));
    const bytes = new TextEncoder().encode(ndjson(lines));
    expect(bytes.length).toBeGreaterThan(1_048_576); // the body limit of every other route
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        const size = 997 + (offset % 13); // odd sizes: chunks end inside multi-byte characters
        controller.enqueue(bytes.subarray(offset, offset + size));
        offset += size;
      },
    });
    const { status, body: summary } = await post(body);
    expect(status).toBe(200);
    expect(summary).toEqual({ accepted: 12_000, duplicates: 0, rejected: [] });
    const { rows } = await db.pool.query(`SELECT data->>'household' AS h FROM es_events WHERE metadata->>'recordId' = 'stream-11999'`);
    expect(rows).toEqual([{ h: '户-11999' }]);
  });

  it('leaves the body limit on other routes: a 2 MiB JSON command is refused with 413', async () => {
    const response = await adminFetch(`${base}/api/v1/records/phone_contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(phone('big-json', { household: 'x'.repeat(2 * 1_048_576) })),
    });
    expect(response.status).toBe(413);
    expect(await stored(['big-json'])).toEqual([]);
  });

  it('refuses a line longer than 1 MiB without holding it, and goes on with the next line', async () => {
    const { body } = await post(`{"id":"huge","note":"${'x'.repeat(1_100_000)}"}\n${JSON.stringify(phone('after-huge'))}\n`);
    expect(body).toEqual({ accepted: 1, duplicates: 0, rejected: [{ line: 1, id: null, reason: expect.stringMatching(/line_too_long/) }] });
  });

  it('answers 415 with a reason for a body that is not application/x-ndjson', async () => {
    const json = await post(JSON.stringify(phone('json-1')), '', 'application/json');
    expect(json.status).toBe(415);
    expect(json.body.message).toMatch(/application\/x-ndjson/);
    const csv = await post('id,kind\n', '', 'text/csv');
    expect(csv.status).toBe(415);
    expect(await stored(['json-1'])).toEqual([]);
  });

  it('accepts the NDJSON content type with a charset parameter', async () => {
    const { status, body } = await post(ndjson([phone('charset-1')]), '', 'application/x-ndjson; charset=utf-8');
    expect([status, body]).toEqual([200, { accepted: 1, duplicates: 0, rejected: [] }]);
  });

  it('answers 400 for an atomic option that is neither true nor false', async () => {
    expect((await post(ndjson([phone('opt-1')]), '?atomic=yes')).status).toBe(400);
  });

  it('documents the import in the OpenAPI document', async () => {
    const document = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, { post?: { requestBody?: { content: object } } }> };
    expect(Object.keys(document.paths['/api/v1/imports']?.post?.requestBody?.content ?? {})).toContain('application/x-ndjson');
  });

  describe('npm run cli -- import', () => {
    let dir: string;
    const io = () => {
      const out: string[] = [];
      const sink = { write: (text: string) => out.push(text) > 0, isTTY: false } as unknown as NodeJS.WriteStream;
      return { io: { env: { DATABASE_URL: db.url }, stdout: sink, stderr: sink } satisfies CliIo, out };
    };
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'import-cli-'));
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    it('imports a file into the configured database, prints a summary and exits 0', async () => {
      const file = join(dir, 'good.ndjson');
      await writeFile(file, ndjson([phone('cli-1'), visit('cli-2')]));
      const { io: cli, out } = io();
      expect(await importCommand([file], cli)).toBe(0);
      expect(out.join('')).toMatch(/accepted 2, duplicates 0, rejected 0/);
      expect(await stored(['cli-1', 'cli-2'])).toEqual(['cli-1', 'cli-2']);
      const again = io();
      expect(await importCommand([file], again.io)).toBe(0);
      expect(again.out.join('')).toMatch(/accepted 0, duplicates 2, rejected 0/);
    });

    it('exits 1 and names the refused lines; with --atomic it keeps nothing', async () => {
      const file = join(dir, 'bad.ndjson');
      await writeFile(file, ndjson([phone('cli-3'), phone('cli-4', { occurredOn: '2025-13-01' })]));
      const atomic = io();
      expect(await importCommand([file, '--atomic'], atomic.io)).toBe(1);
      expect(atomic.out.join('')).toMatch(/line 2 \(id cli-4\): .*occurredOn/);
      expect(atomic.out.join('')).toMatch(/nothing was kept/);
      expect(await stored(['cli-3'])).toEqual([]);
      const kept = io();
      expect(await importCommand([file], kept.io)).toBe(1);
      expect(kept.out.join('')).toMatch(/accepted 1, duplicates 0, rejected 1/);
      expect(await stored(['cli-3', 'cli-4'])).toEqual(['cli-3']);
    });

    it('exits 2 with the usage when no file is given', async () => {
      const { io: cli, out } = io();
      expect(await importCommand([], cli)).toBe(2);
      expect(out.join('')).toMatch(/usage: npm run cli -- import FILE.ndjson/);
    });
  });
});
