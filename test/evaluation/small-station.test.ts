import { evaluationOn, recorded } from './support.js';

/**
 * A small station evaluated mid-term under the 2019 1000-point scheme. Its recording events are
 * appended directly (the shapes of @app/recording), so the cut-off, the proportional 服务进度 and the
 * survey of every household when there are fewer than 100 can be checked on numbers chosen here.
 */
describe('a mid-term cycle of a small station under the 2019 scheme', () => {
  const service = (type: string, id: string, occurredOn: string, fields: object) =>
    recorded(type, { recordId: id, station: 'T1', community: 'C1', occurredOn, worker: 'w1', ...fields });
  const env = evaluationOn(() => [
    recorded('DistrictRegistered', { recordId: 'd', code: '440111', name: '白云区' }),
    recorded('StationRegistered', { recordId: 's', code: 'T1', name: '测试街社工服务站', district: '440111', street: '测试街', operator: '测试社工中心', areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'C1', name: '一社区' }] }] }),
    // A fractional count target (stored before targets were checked when recorded) is left out, not fatal.
    recorded('ContractSigned', { recordId: 'k', code: 'K-T1', station: 'T1', periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '1200000.00', targets: { phone_contacts: 10, home_visits: 4, volunteers_registered: '30.5' } }),
    // 8 effective phone contacts before the cut-off, one ineffective (an SMS), one after the cut-off
    ...Array.from({ length: 8 }, (_, i) => service('PhoneContactRecorded', `p${i}`, '2025-03-01', { effective: true })),
    service('PhoneContactRecorded', 'p-sms', '2025-03-02', { effective: false }),
    service('PhoneContactRecorded', 'p-late', '2025-07-01', { effective: true }),
    ...Array.from({ length: 5 }, (_, i) => service('HomeVisitRecorded', `v${i}`, '2025-04-01', { entered: true })),
    // 40 households archived by the cut-off, one after it
    ...Array.from({ length: 40 }, (_, i) => service('HouseholdArchived', `h${i}`, '2025-02-01', { household: `T1-H${String(i).padStart(2, '0')}`, persons: 1, category: '低保', riskLevel: 2 })),
    service('HouseholdArchived', 'h-late', '2025-07-01', { household: 'T1-LATE', persons: 1, category: '低保', riskLevel: 2 }),
  ]);
  const { call } = env.api;
  const cycle = '/api/v1/cycles/t1-mid';

  it('runs the cycle: figures as of the cut-off, 服务进度 in proportion, every household surveyed, a total out of 1000', async () => {
    expect((await call('POST', '/api/v1/cycles', { id: 't1-mid', station: 'T1', contract: 'K-T1', kind: 'mid_term', cutOff: '2025-06-30', evaluator: '第三方评估机构', schemeVersion: '2019' })).status).toBe(201);
    await call('POST', `${cycle}/self-assessment`, { summary: '中期自评' }, 'station:T1');
    await call('POST', `${cycle}/evaluators`, { evaluator: 'e1', name: '专家' });
    expect((await call('POST', `${cycle}/indicator-figures`, {})).status).toBe(200);

    const progress = (await call('GET', `${cycle}/score`)).body.progress;
    expect(progress.indicators).toEqual([
      expect.objectContaining({ code: 'phone_contacts', actual: '8', target: '10', counted: { value: '0.80', exact: '4/5' } }),
      expect.objectContaining({ code: 'home_visits', actual: '5', target: '4', counted: { value: '1.00', exact: '1' } }),
      // figures without a target are shown, but take no part in 服务进度
      expect.objectContaining({ code: 'households_archived', actual: '40', target: null, counted: null }),
      expect.objectContaining({ code: 'persons_archived', actual: '40', target: null, counted: null }),
    ]);
    // 10 × (0.8 + 1) / 2
    expect(progress.points.value).toBe('9.00');

    expect((await call('POST', `${cycle}/satisfaction/sample`, {})).status).toBe(200);
    const { sample } = (await call('GET', `${cycle}/satisfaction`)).body;
    expect(sample.populationSize).toBe(40);
    expect(sample.households).toHaveLength(40);
    expect(sample.seed).toMatch(/^[0-9a-f]{32}$/);

    for (const [dimension, points] of Object.entries({ project_management: 18, service_quality: 30, service_monitoring: 13, service_outcomes: 17 })) {
      expect((await call('POST', `${cycle}/expert-scores`, { dimension, points, reason: '资料齐全' }, 'e1')).status).toBe(200);
    }
    const refused = await call('POST', `${cycle}/party-scores`, { party: 'supervision_centre', points: 80, reason: '2019 方案无督导中心' });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 400, code: 'party_not_in_scheme' });
    await call('POST', `${cycle}/party-scores`, { party: 'street_office', points: 90, reason: '购买方意见' }, 'street:T1');
    await call('POST', `${cycle}/party-scores`, { party: 'district_bureau', points: 80, reason: '监督方意见' }, 'bureau:440111');
    await call('POST', `${cycle}/field-evaluation/complete`, {});
    expect((await call('POST', `${cycle}/final-report`, {})).status).toBe(200);

    const score = (await call('GET', `${cycle}/score`)).body;
    // third party (18 + 30 + 13 + 17 + 9 = 87) × 700/100 + 90 × 200/100 + 80 × 100/100 = 609 + 180 + 80
    expect(score).toMatchObject({ maxTotal: 1000, total: { value: '869.00' }, grade: '良好' });
    const report = (await env.api.text(`${cycle}/report`)).text;
    expect(report).toContain('中期评估报告');
    expect(report).toContain('全覆盖 40 户');
    expect(report).toContain('评估总分为 1000 分');
  });

  it('keeps the trail append-only in the database', async () => {
    await expect(env.db.pool.query("UPDATE evaluation.trail SET actor = 'someone else' WHERE cycle_id = 't1-mid'")).rejects.toThrow(/append-only/);
    await expect(env.db.pool.query("DELETE FROM evaluation.trail WHERE cycle_id = 't1-mid'")).rejects.toThrow(/append-only/);
  });
});
