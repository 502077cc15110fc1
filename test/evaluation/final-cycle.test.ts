import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SANYUANLI_ARCHIVES, SANYUANLI_EXPECTED } from '@app/demo-data';
import { drawSample } from '@app/evaluation';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createEvaluationApp } from '../../apps/evaluation/src/bootstrap.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { client, loadSanyuanliDemo } from './support.js';

/**
 * The 2025 final evaluation of 三元里街社工站 (seed 003) through the evaluation service's HTTP API, on
 * the demo data loaded through the recording write side. Seed 003 prints the grade (良好) but not the
 * scores: the scores below are this test's, and the total is checked against a computation of its own.
 */
describe('the Sanyuanli 2025 final evaluation (seed 003)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base = '';
  const api = client(() => base);
  const { call } = api;
  const cycle = '/api/v1/cycles/syl-2025-final';
  const experts = ['expert-1', 'expert-2', 'expert-3', 'expert-4', 'expert-5'];
  // points per expert: 项目管理 /20, 服务质量 /35, 服务监测 /15, 服务成效 /20
  const scores: Record<string, [number, number, number, number]> = {
    'expert-1': [17, 29, 12.5, 17],
    'expert-2': [16.5, 30, 13, 16],
    'expert-3': [17.5, 28, 12, 17.5],
    'expert-4': [16, 29.5, 12.5, 16.5],
    'expert-5': [17, 28.5, 13, 17],
  };
  const dimensions = ['project_management', 'service_quality', 'service_monitoring', 'service_outcomes'];
  const parties = { street_office: 92, supervision_centre: 88, district_bureau: 86 };

  async function start(): Promise<void> {
    app = await createEvaluationApp(db.pool);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    await api.settled();
  }

  /** Trail length and current total: what a refused command must leave as they were. */
  const snapshot = async () => ({ trail: (await call('GET', `${cycle}/trail`)).body.length, score: (await call('GET', `${cycle}/score`)).body });

  async function expectRefused(request: Promise<{ status: number; body: any }>, status: number, code: string | RegExp) {
    const before = await snapshot();
    const { status: actual, body } = await request;
    expect({ status: actual, code: body.code ?? String(body.message) }).toEqual({ status, code: expect.stringMatching(code) });
    expect(typeof body.message === 'string' ? body.message : body.message.join(' ')).not.toHaveLength(0);
    expect(await snapshot()).toEqual(before);
  }

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    await loadSanyuanliDemo(db.pool);
    await start();
  }, 300_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('opens a final (末期) cycle for the station and its contract, in stage 自评, recording the 2025 scheme and rubric', async () => {
    const opened = await call('POST', '/api/v1/cycles', {
      id: 'syl-2025-final',
      station: 'SYL',
      contract: SANYUANLI_EXPECTED.contract,
      kind: 'final',
      cutOff: '2025-04-23',
      evaluator: '广州市社会组织联合会',
    });
    expect(opened.status).toBe(201);
    const { body } = await call('GET', cycle);
    expect(body).toMatchObject({ stage: 'self_assessment', kind: 'final', rubricVersion: '2025-v1', schemeVersion: '2025', cutOff: '2025-04-23' });
    expect(body.subject.station).toMatchObject({ name: '三元里街社工服务站', districtName: '白云区', operator: '广州市穗星社会工作服务中心' });
  });

  it('refuses a command without an actor, and field-evaluation work before the self-assessment', async () => {
    await expectRefused(call('POST', `${cycle}/self-assessment`, { summary: 'x' }, null), 401, 'bearer token');
    await call('POST', `${cycle}/evaluators`, { evaluator: 'expert-1', name: '评估专家一' });
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'project_management', points: 10, reason: '过早' }, 'expert-1'), 422, 'stage_out_of_order');
    await expectRefused(call('POST', `${cycle}/final-report`, {}), 422, 'stage_out_of_order');
  });

  it('assigns five experts and refuses one who declared a tie to the operator (回避)', async () => {
    for (const [i, evaluator] of experts.slice(1).entries()) {
      expect((await call('POST', `${cycle}/evaluators`, { evaluator, name: `评估专家${i + 2}` })).status).toBe(200);
    }
    expect((await call('POST', `${cycle}/ties`, { evaluator: 'expert-6', tie: 'operator', note: '曾在承办方任职' }, 'expert-6')).status).toBe(200);
    await expectRefused(call('POST', `${cycle}/evaluators`, { evaluator: 'expert-6', name: '评估专家六' }), 403, 'evaluator_recused');
    expect((await call('POST', `${cycle}/self-assessment`, { summary: '社工站逐项对照评估指标体系完成自评报告' }, 'station:SYL')).status).toBe(200);
    expect((await call('GET', cycle)).body.stage).toBe('field_evaluation');
  });

  it('captures the indicator figures as of the cut-off: every contracted indicator with the actual and target of seed 003', async () => {
    expect((await call('POST', `${cycle}/indicator-figures`, {})).status).toBe(200);
    const { body } = await call('GET', `${cycle}/score`);
    const contracted = SANYUANLI_EXPECTED.indicators.filter((i) => i.target !== undefined);
    for (const expected of contracted) {
      expect(body.progress.indicators).toContainEqual(expect.objectContaining({ code: expected.code, actual: String(expected.actual), target: String(expected.target) }));
    }
    expect(body.progress).toMatchObject({ asOf: '2025-04-23', points: { value: '10.00' } });
    expect(body.progress.coveredPosition).toBeGreaterThan(0);
  });

  it('takes every expert’s dimension scores, each with its reason', async () => {
    for (const evaluator of experts) {
      for (const [i, dimension] of dimensions.entries()) {
        const response = await call('POST', `${cycle}/expert-scores`, { dimension, points: scores[evaluator]![i], reason: `${dimension}: 查阅资料与访谈` }, evaluator);
        expect(response.status).toBe(200);
      }
    }
  });

  it('rejects bad scores with clear errors and changes nothing', async () => {
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'project_management', points: 20.5, reason: '超出满分' }, 'expert-1'), 422, 'score_above_maximum');
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'project_management', points: 15 }, 'expert-1'), 400, /reason/);
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'project_management', points: 15, reason: '   ' }, 'expert-1'), 422, 'reason_required');
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'project_management', points: 15, reason: '未获指派' }, 'expert-9'), 403, 'evaluator_not_assigned');
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'project_management', points: 15, reason: '有利益关系' }, 'expert-6'), 403, 'evaluator_recused');
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'service_progress', points: 5, reason: '手工打分' }, 'expert-1'), 422, 'dimension_computed');
    await expectRefused(call('POST', `${cycle}/party-scores`, { party: 'street_office', points: 100.5, reason: '超出满分' }, 'street:SYL'), 422, 'score_above_maximum');
  });

  it('records findings with the records and figures they rest on, and refuses one without evidence', async () => {
    const findings = [
      { area: 'management', kind: 'strength', text: '持证率达 75%', evidence: [{ kind: 'figure', ref: '持证社工/在岗人员', value: '15/20' }] },
      { area: 'management', kind: 'concern', text: '稳岗率为 45%，二片区人员流动性最高', evidence: [{ kind: 'figure', ref: '持续在岗人员/在岗人员', value: '9/20' }] },
      { area: 'quality', kind: 'concern', serviceArea: '三片区', text: '孤寡长者跟进频率与深度不足', evidence: [{ kind: 'record', ref: 'SYL-飞鹅新村-C0154' }, { kind: 'record', ref: 'SYL-飞鹅新村-C0158' }] },
      { area: 'outcomes', kind: 'strength', text: '链接物资和资金共计 40.53 万元', evidence: [{ kind: 'figure', ref: 'resources_linked_yuan', value: '405300.00' }] },
      { area: 'purchaser', kind: 'strength', text: '按照协议要求完成工作任务', evidence: [{ kind: 'figure', ref: '附件 1 指标完成情况' }] },
    ];
    for (const finding of findings) expect((await call('POST', `${cycle}/findings`, finding)).status).toBe(200);
    await expectRefused(call('POST', `${cycle}/findings`, { area: 'monitoring', kind: 'concern', text: '无依据', evidence: [] }), 400, /evidence/);
  });

  it('draws the satisfaction sample of 100 households reproducibly from its stored seed, and computes the rate', async () => {
    expect((await call('POST', `${cycle}/satisfaction/sample`, { seed: 'syl-2025-final' })).status).toBe(200);
    const { body } = await call('GET', `${cycle}/satisfaction`);
    const households = SANYUANLI_ARCHIVES.reduce((n, c) => n + c.households, 0);
    expect(body.sample).toMatchObject({ seed: 'syl-2025-final', minimum: 100, populationSize: households });
    expect(body.sample.households).toHaveLength(100);
    const roll = await db.pool.query<{ household: string }>("SELECT household FROM evaluation.households WHERE station = 'SYL'");
    expect(drawSample(roll.rows.map((r) => r.household), body.sample.seed, 100)).toEqual(body.sample.households);
    await expectRefused(call('POST', `${cycle}/satisfaction/sample`, { seed: 'another' }), 409, 'sample_drawn');

    const responses = body.sample.households.map((household: string, i: number) => ({ household, satisfied: i % 25 !== 0 }));
    expect((await call('POST', `${cycle}/satisfaction/responses`, { responses })).status).toBe(200);
    const after = (await call('GET', `${cycle}/satisfaction`)).body;
    expect(after.rate).toEqual({ satisfied: 96, responses: 100, value: 0.96 });
    await expectRefused(call('POST', `${cycle}/satisfaction/responses`, { responses: [{ household: 'not-sampled', satisfied: true }] }), 422, 'household_not_sampled');
  });

  it('takes the three other parties’ scores and issues the draft report', async () => {
    for (const [party, points] of Object.entries(parties)) {
      expect((await call('POST', `${cycle}/party-scores`, { party, points, reason: `${party} 日常督查与合作情况` }, `${party}:SYL`)).status).toBe(200);
    }
    expect((await call('POST', `${cycle}/field-evaluation/complete`, {})).status).toBe(200);
    expect((await call('GET', cycle)).body.stage).toBe('draft_report');
    const draft = await api.text(`${cycle}/report?format=markdown`);
    expect(draft.text).toContain('（初稿）');
  });

  it('handles an objection (异议): the final report waits for its resolution; an expert revises a score meanwhile', async () => {
    const objection = await call('POST', `${cycle}/objections`, { id: 'obj-1', party: '三元里街社工站', text: '服务质量评分未反映二片区“老人友好”计划成效' }, 'station:SYL');
    expect(objection.status).toBe(200);
    await expectRefused(call('POST', `${cycle}/final-report`, {}), 422, 'objections_open');
    expect((await call('POST', `${cycle}/expert-scores`, { dimension: 'service_quality', points: 30, reason: '复核二片区特色服务资料后调整' }, 'expert-1')).status).toBe(200);
    scores['expert-1']![1] = 30;
    expect((await call('POST', `${cycle}/objections/obj-1/resolution`, { upheld: true, resolution: '复核后调整服务质量评分' }, 'staff:evaluator-office')).status).toBe(200);
  });

  it('issues the final report: total 55/20/15/10 of the inputs, grade 良好 as in the source', async () => {
    expect((await call('POST', `${cycle}/final-report`, {}, 'staff:evaluator-office')).status).toBe(200);
    // In hundredths of a point: each expert's dimensions + the full 服务进度 (10), their mean, then the weights.
    const expertTotals = experts.map((e) => scores[e]!.reduce((sum, p) => sum + Math.round(p * 100), 0) + 1000);
    const thirdParty = expertTotals.reduce((a, b) => a + b, 0) / experts.length;
    const total = (thirdParty * 55 + parties.street_office * 100 * 20 + parties.supervision_centre * 100 * 15 + parties.district_bureau * 100 * 10) / 100;
    const { body } = await call('GET', `${cycle}/score`);
    expect(body.total.value).toBe((total / 100).toFixed(2));
    expect(body.grade).toBe('良好');
    expect(body.final).toMatchObject({ total: (total / 100).toFixed(2), grade: '良好' });
    expect((await call('GET', cycle)).body.stage).toBe('final_report');
  });

  it('refuses to change a final report in any way', async () => {
    await expectRefused(call('POST', `${cycle}/expert-scores`, { dimension: 'project_management', points: 18, reason: '终稿后修改' }, 'expert-2'), 422, 'cycle_final');
    await expectRefused(call('POST', `${cycle}/party-scores`, { party: 'district_bureau', points: 95, reason: '终稿后修改' }, 'district_bureau:440111'), 422, 'cycle_final');
    await expectRefused(call('POST', `${cycle}/objections`, { party: '三元里街道办事处', text: '迟到的异议' }), 422, 'cycle_final');
    await expectRefused(call('POST', `${cycle}/final-report`, {}), 422, 'cycle_final');
  });

  it('renders the report with seed 003’s structure and its annex 1 matching the source’s figures and rates', async () => {
    const { status, type, text } = await api.text(`${cycle}/report?format=markdown`);
    expect(status).toBe(200);
    expect(type).toMatch(/text\/markdown/);
    const headings = ['一、末期评估背景', '二、评估总结', '（一）社工站基本情况', '（二）各项目服务进度情况', '（三）项目管理', '（四）服务质量', '（五）服务监测', '（六）服务成效', '（七）购买方评估', '（八）督导中心', '（九）监督方评估', '三、评估反馈', '四、评估等级', '附件 1'];
    let at = -1;
    for (const heading of headings) {
      const next = text.indexOf(heading, at + 1);
      expect({ heading, found: next > at }).toEqual({ heading, found: true });
      at = next;
    }
    expect(text).toContain('等级为：**良好**');
    expect(text).toMatch(/4\. 出具最终报告阶段（已完成，最终报告出具于 \d{4}-\d{2}-\d{2}）/);
    expect(text).toContain('数据截止说明：本报告的指标数据截至 2025-04-23');
    expect(text).toContain('SYL-飞鹅新村-C0154');
    expect(text).toContain('总体满意度 96.00%');
    expect(text).not.toContain('（初稿）');
    const annex = text.slice(text.indexOf('附件 1'));
    for (const expected of SANYUANLI_EXPECTED.indicators.filter((i) => i.reportedRate)) {
      const row = annex.split('\n').find((line) => line.includes(`| ${String(expected.target)} | ${String(expected.actual)} |`) && line.includes(nameOf(expected.code)));
      expect({ code: expected.code, row: row !== undefined }).toEqual({ code: expected.code, row: true });
      const rate = row!.split('|').map((cell) => cell.trim()).at(-2)!;
      expect({ code: expected.code, rate: Number(rate.replace('%', '')) }).toEqual({ code: expected.code, rate: Number(expected.reportedRate!.replace('%', '')) });
    }
    const html = await api.text(`${cycle}/report?format=html`);
    expect(html.type).toMatch(/text\/html/);
    expect(html.text).toMatch(/<h2[^>]*>四、评估等级<\/h2>/);
    expect(html.text).toContain('<table>');
  });

  it('explains the total: rubric and scheme versions, each input with its event, actor and time, the 服务进度 formula', async () => {
    const { body } = await call('GET', `${cycle}/score`);
    expect(body).toMatchObject({ rubricVersion: '2025-v1', schemeVersion: '2025', maxTotal: 100 });
    expect(body.progress.formula).toContain('min(完成量 ÷ 协议指标量, 1)');
    expect(body.experts.filter((e: any) => e.counted).map((e: any) => e.evaluator)).toEqual(experts);
    const revised = body.experts[0].dimensions.find((d: any) => d.dimension === 'service_quality');
    expect(revised).toMatchObject({ points: '30.00', reason: '复核二片区特色服务资料后调整' });
    expect(body.events[revised.version]).toMatchObject({ actor: 'expert-1' });
    const office = body.parties.find((p: any) => p.party === 'street_office');
    expect(office).toMatchObject({ weight: 20, score: { value: '92.00' }, by: 'street_office:SYL' });
    expect(body.events[office.version].actor).toBe('street_office:SYL');
    expect(body.events[body.progress.version].recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('keeps every change in the trail: the superseded score too, with who and when', async () => {
    const { body } = await call('GET', `${cycle}/trail`);
    const quality = body.filter((t: any) => t.type === 'DimensionScored' && t.data.evaluator === 'expert-1' && t.data.dimension === 'service_quality');
    expect(quality.map((t: any) => t.data.points)).toEqual(['29.00', '30.00']);
    expect(body.map((t: any) => t.version)).toEqual(body.map((_: unknown, i: number) => i + 1));
    const stages = body.filter((t: any) => ['SelfAssessmentSubmitted', 'FieldEvaluationCompleted', 'FinalReportIssued'].includes(t.type));
    expect(stages.map((t: any) => [t.type, t.actor])).toEqual([
      ['SelfAssessmentSubmitted', 'station:SYL'],
      ['FieldEvaluationCompleted', 'staff:evaluator-office'],
      ['FinalReportIssued', 'staff:evaluator-office'],
    ]);
  });

  describe('resilience', () => {
    const views = async () => ({
      cycle: (await call('GET', cycle)).body,
      score: (await call('GET', `${cycle}/score`)).body,
      trail: (await call('GET', `${cycle}/trail`)).body,
      satisfaction: (await call('GET', `${cycle}/satisfaction`)).body,
      report: (await api.text(`${cycle}/report?format=markdown`)).text,
    });

    it('applies a re-delivered event once (at-least-once delivery, de-duplicated by event id)', async () => {
      const before = await views();
      // Moving the checkpoint back re-delivers every cycle event.
      await db.pool.query("UPDATE es_checkpoints SET position = 0 WHERE name = 'evaluation-cycles'");
      await api.settled();
      expect(await views()).toEqual(before);
    });

    it('rebuilds identical scores, trail and report after the read model is emptied', async () => {
      const before = await views();
      expect((await call('POST', '/api/v1/read-model/rebuild', {})).status).toBe(202);
      await api.settled();
      expect(await views()).toEqual(before);
    }, 180_000);

    it('rebuilds identical scores, trail and report after the service is stopped and its schema dropped', async () => {
      const before = await views();
      await app.close();
      await db.pool.query('DROP SCHEMA evaluation CASCADE');
      await db.pool.query("DELETE FROM schema_migrations WHERE id LIKE '05%' OR id = '0310_messaging_consumer_evaluation'");
      await db.pool.query("DELETE FROM es_checkpoints WHERE name IN ('evaluation-cycles', 'consumer:evaluation')");
      await start();
      expect(await views()).toEqual(before);
    }, 180_000);
  });
});

const NAMES: Record<string, string> = {
  phone_contacts: '电话访问', home_visits: '入户探访', consult_cases_closed: '咨询个案结案', cases_opened: '专业个案接案',
  case_sessions: '专业个案服务节数', cases_closed: '专业个案结案', groups: '小组', group_sessions: '小组节数', group_attendance: '小组服务人次',
  large_activities: '大型社区活动', large_activity_attendance: '大型社区活动人次', small_activities: '中小型社区活动',
  small_activity_attendance: '中小型社区活动人次', volunteers_registered: '新登记志愿者', volunteer_core: '志愿者骨干', volunteer_teams_formed: '新增志愿者队伍',
};
const nameOf = (code: string): string => `| ${NAMES[code]} |`;
