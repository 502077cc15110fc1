import { Readable } from 'node:stream';
import fc from 'fast-check';
import { PgEventStore } from '@app/event-store';
import { importNdjson } from '../../apps/backoffice/src/imports/index.js';
import { IndicatorProjections } from '../../apps/backoffice/src/indicators/index.js';
import { IndicatorQueryService } from '../../apps/backoffice/src/indicators/indicator-query.service.js';
import { QualityService } from '../../apps/backoffice/src/indicators/quality.service.js';
import { DEFAULT_QUALITY_CONFIG } from '@app/indicators';
import { recordingDatabase } from '../support/recording.js';
import { append, serviceEvent } from './fixtures.js';

/**
 * 个案须先知情同意: a case opened before informed consent cannot be recorded. The recording side
 * refuses it (a new record, a replacement through a correction, a line without consentOn), so the
 * quality finding stays empty for everything recorded; the finding itself is shown to catch such a
 * case when an event gets into the log by another way.
 */
describe('cases without informed consent', () => {
  const env = recordingDatabase();
  let projections: IndicatorProjections;
  let quality: QualityService;
  let n = 0;

  const importLines = (records: object[]) =>
    importNdjson(Readable.from(records.map((r) => `${JSON.stringify(r)}\n`)), env.recording, { ctx: { actor: 'test:worker' }, pool: env.db.pool });
  const opened = (occurredOn: string, consentOn?: string) => ({
    id: `case-line-${++n}`, kind: 'case_opened', station: 'CS', community: 'c1', occurredOn, worker: 'w1', case: `k${n}`, household: `h${n}`,
    ...(consentOn === undefined ? {} : { consentOn }),
  });
  const casesWithoutConsent = async () => {
    await projections.main.catchUp();
    return (await quality.findings({ scope: 'station:CS', from: '2000-01-01', to: '2099-12-31' })).findings.casesWithoutConsent;
  };

  beforeAll(async () => {
    projections = new IndicatorProjections(env.db.pool, new PgEventStore(env.db.pool));
    quality = new QualityService(env.db.pool, new IndicatorQueryService(env.db.pool), DEFAULT_QUALITY_CONFIG);
    const setup = await importLines([
      { id: 'd', kind: 'district', code: '440106', name: '天河区' },
      { id: 's', kind: 'station', code: 'CS', name: '测试站', district: '440106', street: '测试街', operator: 'NGO', areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'c1', name: '一社区' }] }] },
      { id: 'k', kind: 'contract', code: 'K-CS', station: 'CS', periodStart: '2024-01-01', periodEnd: '2024-12-31', budgetYuan: '100.00', targets: {} },
    ]);
    expect(setup.rejected).toEqual([]);
  });

  it('refuses an opening dated before its consent, and one without consent, naming the rule', async () => {
    const summary = await importLines([opened('2024-03-01', '2024-03-02'), opened('2024-03-01'), opened('2024-03-05', '2024-03-05')]);
    expect(summary.accepted).toBe(1);
    expect(summary.rejected.map((r) => r.line)).toEqual([1, 2]);
    expect(summary.rejected[0]!.reason).toMatch(/consent/);
    expect(summary.rejected[1]!.reason).toMatch(/consentOn/);
    expect(await casesWithoutConsent()).toEqual([]);
  });

  it('refuses a correction that would move the consent after the opening', async () => {
    const good = opened('2024-04-01', '2024-03-30');
    expect((await importLines([good])).accepted).toBe(1);
    const { id: _id, ...body } = good;
    const summary = await importLines([{ id: `fix-${n}`, kind: 'correction', corrects: good.id, action: 'replace', replacement: { ...body, consentOn: '2024-04-02' }, reason: '日期' }]);
    expect(summary.rejected).toEqual([expect.objectContaining({ line: 1, reason: expect.stringMatching(/consent/) })]);
    expect(await casesWithoutConsent()).toEqual([]);
  });

  it('never lets a case without prior consent into the log, whatever the dates', async () => {
    const day = fc.integer({ min: 0, max: 60 }).map((d) => new Date(Date.UTC(2024, 5, 1 + d)).toISOString().slice(0, 10));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(day, fc.option(day, { nil: undefined })), { minLength: 1, maxLength: 8 }), async (cases) => {
        const summary = await importLines(cases.map(([occurredOn, consentOn]) => opened(occurredOn, consentOn)));
        const valid = cases.filter(([occurredOn, consentOn]) => consentOn !== undefined && consentOn <= occurredOn).length;
        expect(summary.accepted).toBe(valid);
        expect(await casesWithoutConsent()).toEqual([]);
      }),
      { numRuns: 10 },
    );
  });

  it('would report such a case had one got into the log another way (the finding is not vacuous)', async () => {
    const store = new PgEventStore(env.db.pool);
    const body = { kind: 'case_opened' as const, station: 'CS', community: 'c1', occurredOn: '2024-05-01', worker: 'w9', case: 'smuggled', household: 'hx', consentOn: '2024-05-09' };
    await store.append(append('smuggled', [serviceEvent('smuggled', body)]));
    expect(await casesWithoutConsent()).toEqual([{ recordId: 'smuggled', case: 'smuggled', consentOn: '2024-05-09', occurredOn: '2024-05-01' }]);
  });
});
