import { Exact } from './exact.js';
import { gradeOf, weightScheme } from './schemes.js';
import { progressPoints, rubric } from './rubric.js';
import { foldCycle, type CycleEvent } from './cycle.js';
import { scoreCycle } from './scoring.js';
import { subject } from './test-fixtures.js';

describe('grades of the 2025 scheme (优秀 ≥ 90, 良好 80..<90, 合格 60..<80, 不合格 < 60)', () => {
  const scheme = weightScheme('2025');
  it.each([
    ['100', '优秀'], ['90', '优秀'], ['89.99', '良好'], ['80', '良好'], ['79.99', '合格'], ['60', '合格'], ['59.99', '不合格'], ['0', '不合格'],
  ])('a total of %s is %s', (total, grade) => {
    expect(gradeOf(Exact.parse(total), scheme)).toBe(grade);
  });

  it('does not round a total just below an edge up into the better grade', () => {
    expect(gradeOf(Exact.ratio(8999999n, 100000n), scheme)).toBe('良好');
  });

  it('grades the 1000-point 2019 scheme at the same ratios', () => {
    const old = weightScheme('2019');
    expect(gradeOf(Exact.int(900), old)).toBe('优秀');
    expect(gradeOf(Exact.parse('899.99'), old)).toBe('良好');
  });
});

describe('服务进度 by the rubric formula', () => {
  const r = rubric('2025-v1');
  const f = (code: string, actual: string, target: string | null) => ({ code, name: code, unit: '个', actual, target });

  it('gives full points when every indicator reaches 100% or more', () => {
    expect(progressPoints(r, [f('a', '3414', '3000'), f('b', '30', '30')])!.toString()).toBe('10');
  });

  it('counts an indicator below target in proportion and ignores indicators without a target', () => {
    // (0.5 + 1) / 2 × 10 = 7.5
    expect(progressPoints(r, [f('a', '15', '30'), f('b', '40', '30'), f('c', '9', null)])!.toFixed(2)).toBe('7.50');
  });

  it('has no value without any target', () => {
    expect(progressPoints(r, [f('c', '9', null)])).toBeNull();
  });
});

describe('the total of a cycle', () => {
  const scored = (evaluator: string, points: [string, string, string, string]): CycleEvent[] =>
    (['project_management', 'service_quality', 'service_monitoring', 'service_outcomes'] as const).map((dimension, i) => ({
      type: 'DimensionScored',
      data: { evaluator, dimension, points: points[i]!, reason: 'r' },
    }));
  const base: CycleEvent[] = [
    { type: 'EvaluationCycleOpened', data: { cycleId: 'c', kind: 'final', cutOff: '2025-04-23', rubricVersion: '2025-v1', schemeVersion: '2025', ...subject } },
    { type: 'SelfAssessmentSubmitted', data: { summary: 's' } },
    { type: 'EvaluatorAssigned', data: { evaluator: 'e1', name: 'E1' } },
    { type: 'EvaluatorAssigned', data: { evaluator: 'e2', name: 'E2' } },
    { type: 'EvaluatorAssigned', data: { evaluator: 'e3', name: 'E3' } },
    { type: 'IndicatorFiguresCaptured', data: { asOf: '2025-04-23', periodStart: '2024-05-24', coveredPosition: 9, figures: [{ code: 'a', name: 'a', unit: '个', actual: '15', target: '30' }] } },
    ...scored('e1', ['18', '30', '12', '17']),
    ...scored('e2', ['17', '31', '13', '16']),
    ...scored('e3', ['16', '29', '12', '18']),
    { type: 'PartyScored', data: { party: 'street_office', points: '90', reason: 'r', by: 'so' } },
    { type: 'PartyScored', data: { party: 'supervision_centre', points: '85', reason: 'r', by: 'sc' } },
    { type: 'PartyScored', data: { party: 'district_bureau', points: '88', reason: 'r', by: 'db' } },
  ];

  it('weights the mean of the experts (each with the computed 服务进度) and the three parties 55/20/15/10', () => {
    // experts: 77 + 5, 77 + 5, 75 + 5 → mean 244/3; total = 244/3 × 0.55 + 90 × 0.2 + 85 × 0.15 + 88 × 0.1
    const { result, explanation } = scoreCycle(foldCycle(base));
    const expected = Exact.ratio(244n, 3n).times(Exact.ratio(55n, 100n)).plus(Exact.parse('18')).plus(Exact.parse('12.75')).plus(Exact.parse('8.8'));
    expect(result!.exact.cmp(expected)).toBe(0);
    expect(explanation.total!.value).toBe('84.28');
    expect(result!.grade).toBe('良好');
    expect(explanation.parties.find((p) => p.party === 'third_party')!.score!.exact).toBe('244/3');
  });

  it('leaves out an expert who declared a tie, and the latest score of a dimension counts', () => {
    const events: CycleEvent[] = [
      ...base,
      { type: 'EvaluatorTieDeclared', data: { evaluator: 'e3', tie: 'operator', note: 'former employee' } },
      { type: 'DimensionScored', data: { evaluator: 'e1', dimension: 'service_quality', points: '31', reason: 'revised' } },
    ];
    const { explanation } = scoreCycle(foldCycle(events));
    // (78 + 5 + 77 + 5) / 2 = 82.5
    expect(explanation.parties.find((p) => p.party === 'third_party')!.score!.value).toBe('82.50');
    expect(explanation.experts.find((e) => e.evaluator === 'e3')!.counted).toBe(false);
  });

  it('has no total while a party has not scored, and names what is missing', () => {
    const { result, missing } = scoreCycle(foldCycle(base.slice(0, -1)));
    expect(result).toBeNull();
    expect(missing).toEqual(['district_bureau']);
  });
});
