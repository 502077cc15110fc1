import { evaluationOn, recorded } from './support.js';

/**
 * 建档户数 in the evaluation's own figures and the survey roll: households archived by the cut-off, as
 * corrected (a voided archive no longer counts, one re-dated past the cut-off counts after it), with
 * its contract target taking part in 服务进度 like any other.
 */
describe('households archived (建档户数) in a cycle’s figures', () => {
  const archive = (i: number, occurredOn = '2025-02-01') => ({
    kind: 'household_archived', station: 'T2', community: 'C1', occurredOn, worker: 'w1', household: `T2-H${i}`, persons: 2, category: '低保', riskLevel: 2,
  });
  const archived = ({ kind: _kind, ...fields }: ReturnType<typeof archive>, id: string) => recorded('HouseholdArchived', { recordId: id, ...fields });
  const env = evaluationOn(() => [
    recorded('DistrictRegistered', { recordId: 'd', code: '440111', name: '白云区' }),
    recorded('StationRegistered', { recordId: 's', code: 'T2', name: '测试二站', district: '440111', street: '测试二街', operator: '测试社工中心', areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'C1', name: '一社区' }] }] }),
    recorded('ContractSigned', { recordId: 'k', code: 'K-T2', station: 'T2', periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '1200000.00', targets: { households_archived: 4 } }),
    ...[0, 1, 2, 3, 4].map((i) => archived(archive(i), `h${i}`)),
    recorded('RecordCorrected', { recordId: 'x0', corrects: 'h0', base: 'h0', action: 'void', reason: '重复建档', before: archive(0), after: null }),
    recorded('RecordCorrected', { recordId: 'x1', corrects: 'h1', base: 'h1', action: 'replace', reason: '日期录错', before: archive(1), after: archive(1, '2025-08-01') }),
  ]);
  const { call } = env.api;
  const cycle = '/api/v1/cycles/t2-mid';

  it('counts the households archived by the cut-off as corrected, against their target', async () => {
    expect((await call('POST', '/api/v1/cycles', { id: 't2-mid', station: 'T2', contract: 'K-T2', kind: 'mid_term', cutOff: '2025-06-30', evaluator: '第三方评估机构', schemeVersion: '2019' })).status).toBe(201);
    await call('POST', `${cycle}/self-assessment`, { summary: '中期自评' }, 'station:T2');
    await call('POST', `${cycle}/evaluators`, { evaluator: 'e1', name: '专家' });
    expect((await call('POST', `${cycle}/indicator-figures`, {})).status).toBe(200);

    const progress = (await call('GET', `${cycle}/score`)).body.progress;
    // five archived, h0 voided, h1 re-dated past the cut-off
    expect(progress.indicators).toContainEqual(expect.objectContaining({ code: 'households_archived', actual: '3', target: '4', counted: { value: '0.75', exact: '3/4' } }));
    expect(progress.points.value).toBe('7.50');
  });

  it('surveys the households on the roll at the cut-off as corrected: not the voided one, not the one re-dated after it', async () => {
    expect((await call('POST', `${cycle}/satisfaction/sample`, {})).status).toBe(200);
    const { sample } = (await call('GET', `${cycle}/satisfaction`)).body;
    expect(sample.populationSize).toBe(3);
    expect(sample.households).toHaveLength(3);
  });
});
