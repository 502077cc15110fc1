import { DomainError } from '@app/kernel';
import { decide, foldCycle, type CycleCommand, type CycleEvent } from './cycle.js';
import { subject } from './test-fixtures.js';

const opened: CycleEvent = {
  type: 'EvaluationCycleOpened',
  data: { cycleId: 'c1', kind: 'final', cutOff: '2025-04-23', rubricVersion: '2025-v1', schemeVersion: '2025', ...subject },
};
const selfAssessed: CycleEvent = { type: 'SelfAssessmentSubmitted', data: { summary: '自评' } };
const assigned = (evaluator: string): CycleEvent => ({ type: 'EvaluatorAssigned', data: { evaluator, name: evaluator } });
const score = (evaluator: string, dimension: string, points: string, reason = '依据访谈记录'): CycleCommand => ({ type: 'ScoreDimension', evaluator, dimension, points, reason });

function rejection(given: CycleEvent[], command: CycleCommand): { kind: string; code: string } {
  try {
    decide(command, foldCycle(given));
  } catch (error) {
    if (error instanceof DomainError) return { kind: error.kind, code: error.code };
    throw error;
  }
  throw new Error('the command was accepted');
}

describe('evaluation cycle decisions', () => {
  it('moves from 自评 to 实地评估 when the self-assessment is submitted', () => {
    expect(decide({ type: 'SubmitSelfAssessment', summary: '自评报告' }, foldCycle([opened]))).toEqual([
      { type: 'SelfAssessmentSubmitted', data: { summary: '自评报告' } },
    ]);
  });

  it('records an assigned expert’s score with its reason, normalised to two decimals', () => {
    expect(decide(score('e1', 'project_management', '17.5'), foldCycle([opened, selfAssessed, assigned('e1')]))).toEqual([
      { type: 'DimensionScored', data: { evaluator: 'e1', dimension: 'project_management', points: '17.50', reason: '依据访谈记录' } },
    ]);
  });

  it('refuses a score above the dimension maximum', () => {
    expect(rejection([opened, selfAssessed, assigned('e1')], score('e1', 'project_management', '20.01'))).toEqual({ kind: 'invariant', code: 'score_above_maximum' });
  });

  it('accepts a score of exactly the maximum', () => {
    expect(decide(score('e1', 'project_management', '20'), foldCycle([opened, selfAssessed, assigned('e1')]))).toHaveLength(1);
  });

  it('refuses a score without a written reason', () => {
    expect(rejection([opened, selfAssessed, assigned('e1')], score('e1', 'project_management', '10', '  '))).toEqual({ kind: 'invariant', code: 'reason_required' });
  });

  it('refuses a score from someone not assigned', () => {
    expect(rejection([opened, selfAssessed, assigned('e1')], score('e9', 'project_management', '10'))).toEqual({ kind: 'forbidden', code: 'evaluator_not_assigned' });
  });

  it('refuses to score the computed 服务进度 dimension', () => {
    expect(rejection([opened, selfAssessed, assigned('e1')], score('e1', 'service_progress', '5'))).toEqual({ kind: 'invariant', code: 'dimension_computed' });
  });

  it('refuses to assign an expert who declared a tie (回避), and stops an assigned one who declares one from scoring', () => {
    const tie = (evaluator: string): CycleEvent => ({ type: 'EvaluatorTieDeclared', data: { evaluator, tie: 'operator', note: '曾任职承办方' } });
    expect(rejection([opened, tie('e2')], { type: 'AssignEvaluator', evaluator: 'e2', name: 'E2' })).toEqual({ kind: 'forbidden', code: 'evaluator_recused' });
    expect(rejection([opened, selfAssessed, assigned('e2'), tie('e2')], score('e2', 'project_management', '10'))).toEqual({ kind: 'forbidden', code: 'evaluator_recused' });
  });

  it('refuses commands out of stage order', () => {
    expect(rejection([opened, assigned('e1')], score('e1', 'project_management', '10'))).toEqual({ kind: 'invariant', code: 'stage_out_of_order' });
    expect(rejection([opened, selfAssessed], { type: 'IssueFinalReport', today: '2025-05-10' })).toEqual({ kind: 'invariant', code: 'stage_out_of_order' });
    expect(rejection([opened, selfAssessed], { type: 'RaiseObjection', objectionId: 'o1', party: '社工站', text: '异议' })).toEqual({ kind: 'invariant', code: 'stage_out_of_order' });
  });

  it('refuses to close the field evaluation while an expert has dimensions to score', () => {
    expect(rejection([opened, selfAssessed, assigned('e1')], { type: 'CompleteFieldEvaluation', today: '2025-04-29' })).toEqual({ kind: 'invariant', code: 'scores_incomplete' });
  });

  it('refuses the final report while an objection is open', () => {
    const draft: CycleEvent = { type: 'FieldEvaluationCompleted', data: { draftIssuedOn: '2025-04-30' } };
    const objection: CycleEvent = { type: 'ObjectionRaised', data: { objectionId: 'o1', party: '社工站', text: '异议' } };
    expect(rejection([opened, selfAssessed, draft, objection], { type: 'IssueFinalReport', today: '2025-05-10' })).toEqual({ kind: 'invariant', code: 'objections_open' });
  });

  it('refuses every change once the final report is issued', () => {
    const final: CycleEvent[] = [
      opened,
      selfAssessed,
      assigned('e1'),
      { type: 'FieldEvaluationCompleted', data: { draftIssuedOn: '2025-04-30' } },
      { type: 'FinalReportIssued', data: { issuedOn: '2025-05-10', total: '85.00', exactTotal: '85', grade: '良好' } },
    ];
    expect(rejection(final, score('e1', 'project_management', '10'))).toEqual({ kind: 'invariant', code: 'cycle_final' });
    expect(rejection(final, { type: 'ScoreAsParty', party: 'street_office', points: '90', reason: 'r', by: 'x' })).toEqual({ kind: 'invariant', code: 'cycle_final' });
    expect(rejection(final, { type: 'IssueFinalReport', today: '2025-05-11' })).toEqual({ kind: 'invariant', code: 'cycle_final' });
  });

  it('refuses a party that the cycle’s scheme does not have (the 2019 scheme has no supervision centre)', () => {
    const old: CycleEvent = { ...opened, data: { ...opened.data, schemeVersion: '2019' } } as CycleEvent;
    expect(rejection([old, selfAssessed], { type: 'ScoreAsParty', party: 'supervision_centre', points: '80', reason: 'r', by: 'x' })).toEqual({ kind: 'invalid', code: 'party_not_in_scheme' });
  });

  it('takes one satisfaction response per sampled household', () => {
    const sample: CycleEvent = { type: 'SatisfactionSampleDrawn', data: { seed: 's', minimum: 100, populationSize: 2, coveredPosition: 1, households: ['H1', 'H2'] } };
    const answered: CycleEvent = { type: 'SatisfactionResponsesRecorded', data: { responses: [{ household: 'H1', satisfied: true }] } };
    const twice: CycleCommand = { type: 'RecordSatisfactionResponses', responses: [{ household: 'H2', satisfied: true }, { household: 'H2', satisfied: false }] };
    expect(rejection([opened, selfAssessed, sample], twice)).toEqual({ kind: 'conflict', code: 'response_exists' });
    expect(rejection([opened, selfAssessed, sample, answered], { type: 'RecordSatisfactionResponses', responses: [{ household: 'H1', satisfied: false }] })).toEqual({ kind: 'conflict', code: 'response_exists' });
    expect(rejection([opened, selfAssessed, sample], { type: 'RecordSatisfactionResponses', responses: [{ household: 'H3', satisfied: true }] })).toEqual({ kind: 'invariant', code: 'household_not_sampled' });
    expect(decide({ type: 'RecordSatisfactionResponses', responses: [{ household: 'H2', satisfied: false }] }, foldCycle([opened, selfAssessed, sample, answered]))).toHaveLength(1);
  });

  it('draws the sample from the roll with the given seed and stores the seed', () => {
    const population = Array.from({ length: 150 }, (_, i) => `H${i}`);
    const [event] = decide({ type: 'DrawSatisfactionSample', seed: 's1', population, coveredPosition: 7 }, foldCycle([opened, selfAssessed]));
    expect(event).toMatchObject({ type: 'SatisfactionSampleDrawn', data: { seed: 's1', minimum: 100, populationSize: 150, coveredPosition: 7 } });
    expect((event!.data as { households: string[] }).households).toHaveLength(100);
  });
});
