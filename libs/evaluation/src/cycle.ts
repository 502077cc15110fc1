/**
 * The evaluation cycle (评估周期): one station, one contract, mid-term (中期) or final (末期), through the
 * stages of seed 003: 自评 → 实地评估 → 报告初稿与反馈（异议） → 出具最终报告. Every change is an event on the
 * cycle's stream; the final report freezes the cycle.
 */
import type { DomainEvent } from '@app/event-store';
import { forbidden, invalid, invariant, conflict, type LocalDate } from '@app/kernel';
import { Exact } from './exact.js';
import { rubric, type Dimension, type IndicatorFigure } from './rubric.js';
import { weightScheme, type Grade, type ScoringParty } from './schemes.js';
import { drawSample } from './sampling.js';
import { activeEvaluators, missingDimensions, scoreCycle } from './scoring.js';

export type CycleKind = 'mid_term' | 'final';
export const CYCLE_KIND_NAMES: Record<CycleKind, string> = { mid_term: '中期', final: '末期' };

/** The stages in their order. */
export const STAGES = ['self_assessment', 'field_evaluation', 'draft_report', 'final_report'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_NAMES: Record<Stage, string> = {
  self_assessment: '自我评审阶段',
  field_evaluation: '实地评估阶段',
  draft_report: '报告反馈阶段',
  final_report: '出具最终报告阶段',
};

/** The station and contract as the cycle was opened: the report names them as they were then. */
export interface CycleSubject {
  station: { code: string; name: string; street: string; operator: string; district: string; districtName: string; areas: { code: string; name: string; communities: { code: string; name: string }[] }[] };
  contract: { code: string; periodStart: LocalDate; periodEnd: LocalDate; budgetYuan: string };
  evaluator: string; // 评估方, e.g. 广州市社会组织联合会
}

/** Report areas: the sections of seed 003 that carry findings. */
export type FindingArea = 'management' | 'quality' | 'monitoring' | 'outcomes' | 'purchaser' | 'supervision_centre' | 'supervisor';
export const FINDING_AREAS: readonly FindingArea[] = ['management', 'quality', 'monitoring', 'outcomes', 'purchaser', 'supervision_centre', 'supervisor'];

export interface Evidence {
  /**
   * `record`: a service record or file number (e.g. SYL-飞鹅新村-C0154); `figure`: a number it rests on;
   * `data_quality`: a finding of the indicator data-quality checks (ref: the check, e.g.
   * casesWithoutConsent; value: what it found), attached as it stood when the finding was written.
   */
  kind: 'record' | 'figure' | 'data_quality';
  ref: string;
  value?: string;
}

export type Tie = 'station' | 'operator';

// ---- events ----
export type CycleOpened = DomainEvent<'EvaluationCycleOpened', { cycleId: string; kind: CycleKind; cutOff: LocalDate; rubricVersion: string; schemeVersion: string } & CycleSubject>;
export type SelfAssessmentSubmitted = DomainEvent<'SelfAssessmentSubmitted', { summary: string }>;
export type EvaluatorAssigned = DomainEvent<'EvaluatorAssigned', { evaluator: string; name: string }>;
/** 回避: the evaluator has a tie to the station or its operator; from now on they may not score. */
export type EvaluatorTieDeclared = DomainEvent<'EvaluatorTieDeclared', { evaluator: string; tie: Tie; note: string }>;
export type DimensionScored = DomainEvent<'DimensionScored', { evaluator: string; dimension: Dimension; points: string; reason: string }>;
export type PartyScored = DomainEvent<'PartyScored', { party: ScoringParty; points: string; reason: string; by: string }>;
export type IndicatorFiguresCaptured = DomainEvent<
  'IndicatorFiguresCaptured',
  { asOf: LocalDate; periodStart: LocalDate; coveredPosition: number; figures: IndicatorFigure[] }
>;
export type FindingRecorded = DomainEvent<
  'FindingRecorded',
  { findingId: string; area: FindingArea; kind: 'strength' | 'concern'; serviceArea?: string; text: string; evidence: Evidence[] }
>;
export type SatisfactionSampleDrawn = DomainEvent<
  'SatisfactionSampleDrawn',
  { seed: string; minimum: number; populationSize: number; coveredPosition: number; households: string[] }
>;
export type SatisfactionResponsesRecorded = DomainEvent<
  'SatisfactionResponsesRecorded',
  { responses: { household: string; satisfied: boolean; comment?: string }[] }
>;
/** Stage change 实地评估 → 报告初稿: the draft report goes to the parties for feedback. */
export type FieldEvaluationCompleted = DomainEvent<'FieldEvaluationCompleted', { draftIssuedOn: LocalDate }>;
export type ObjectionRaised = DomainEvent<'ObjectionRaised', { objectionId: string; party: string; text: string }>;
export type ObjectionResolved = DomainEvent<'ObjectionResolved', { objectionId: string; upheld: boolean; resolution: string }>;
/** Stage change to the final report; carries the frozen result. */
export type FinalReportIssued = DomainEvent<'FinalReportIssued', { issuedOn: LocalDate; total: string; exactTotal: string; grade: Grade }>;

export type CycleEvent =
  | CycleOpened
  | SelfAssessmentSubmitted
  | EvaluatorAssigned
  | EvaluatorTieDeclared
  | DimensionScored
  | PartyScored
  | IndicatorFiguresCaptured
  | FindingRecorded
  | SatisfactionSampleDrawn
  | SatisfactionResponsesRecorded
  | FieldEvaluationCompleted
  | ObjectionRaised
  | ObjectionResolved
  | FinalReportIssued;

export const CYCLE_EVENT_TYPES: readonly CycleEvent['type'][] = [
  'EvaluationCycleOpened', 'SelfAssessmentSubmitted', 'EvaluatorAssigned', 'EvaluatorTieDeclared', 'DimensionScored',
  'PartyScored', 'IndicatorFiguresCaptured', 'FindingRecorded', 'SatisfactionSampleDrawn', 'SatisfactionResponsesRecorded',
  'FieldEvaluationCompleted', 'ObjectionRaised', 'ObjectionResolved', 'FinalReportIssued',
];

export const cycleStreamId = (cycleId: string): string => `evaluation-cycle-${cycleId}`;
export const CYCLE_STREAM_TYPE = 'evaluation-cycle';

// ---- commands ----
export type CycleCommand =
  | { type: 'OpenCycle'; cycleId: string; kind: CycleKind; cutOff: LocalDate; rubricVersion: string; schemeVersion: string; subject: CycleSubject }
  | { type: 'SubmitSelfAssessment'; summary: string }
  | { type: 'AssignEvaluator'; evaluator: string; name: string }
  | { type: 'DeclareTie'; evaluator: string; tie: Tie; note: string }
  | { type: 'ScoreDimension'; evaluator: string; dimension: string; points: string; reason: string }
  | { type: 'ScoreAsParty'; party: string; points: string; reason: string; by: string }
  | { type: 'CaptureIndicatorFigures'; coveredPosition: number; figures: IndicatorFigure[] }
  | { type: 'RecordFinding'; findingId: string; area: FindingArea; kind: 'strength' | 'concern'; serviceArea?: string; text: string; evidence: Evidence[] }
  | { type: 'DrawSatisfactionSample'; seed: string; population: string[]; coveredPosition: number }
  | { type: 'RecordSatisfactionResponses'; responses: { household: string; satisfied: boolean; comment?: string }[] }
  | { type: 'CompleteFieldEvaluation'; today: LocalDate }
  | { type: 'RaiseObjection'; objectionId: string; party: string; text: string }
  | { type: 'ResolveObjection'; objectionId: string; upheld: boolean; resolution: string }
  | { type: 'IssueFinalReport'; today: LocalDate };

// ---- state ----
/** `version`: the stream version of the event that set a value, so explanations can point at it. */
export interface Scored {
  points: string;
  reason: string;
  version: number;
}

export interface CycleState {
  version: number;
  cycleId?: string;
  kind?: CycleKind;
  cutOff?: LocalDate;
  rubricVersion?: string;
  schemeVersion?: string;
  subject?: CycleSubject;
  stage?: Stage;
  /** Stream version of the event that entered each stage. */
  stageVersions: Partial<Record<Stage, number>>;
  selfAssessment?: { summary: string; version: number };
  evaluators: Record<string, { name: string; version: number; recused?: { tie: Tie; note: string; version: number } }>;
  /** Declared ties of people not (yet) assigned: they can never be assigned to this cycle. */
  ties: Record<string, { tie: Tie; note: string; version: number }>;
  expertScores: Record<string, Partial<Record<Dimension, Scored>>>;
  partyScores: Partial<Record<ScoringParty, Scored & { by: string }>>;
  figures?: IndicatorFiguresCaptured['data'] & { version: number };
  findings: (FindingRecorded['data'] & { version: number })[];
  sample?: SatisfactionSampleDrawn['data'] & { version: number };
  responses: Record<string, { satisfied: boolean; comment?: string; version: number }>;
  objections: Record<string, { party: string; text: string; version: number; resolution?: { upheld: boolean; text: string; version: number } }>;
  draftIssuedOn?: LocalDate;
  final?: FinalReportIssued['data'] & { version: number };
}

export const initialCycleState = (): CycleState => ({
  version: 0,
  stageVersions: {},
  evaluators: {},
  ties: {},
  expertScores: {},
  partyScores: {},
  findings: [],
  responses: {},
  objections: {},
});

/** Applies one event; `version` of the state becomes the event's stream version. */
export function evolve(state: CycleState, event: CycleEvent): CycleState {
  const version = state.version + 1;
  const next: CycleState = { ...state, version };
  switch (event.type) {
    case 'EvaluationCycleOpened': {
      const { cycleId, kind, cutOff, rubricVersion, schemeVersion, station, contract, evaluator } = event.data;
      return { ...next, cycleId, kind, cutOff, rubricVersion, schemeVersion, subject: { station, contract, evaluator }, stage: 'self_assessment', stageVersions: { self_assessment: version } };
    }
    case 'SelfAssessmentSubmitted':
      return { ...next, selfAssessment: { summary: event.data.summary, version }, stage: 'field_evaluation', stageVersions: { ...state.stageVersions, field_evaluation: version } };
    case 'EvaluatorAssigned':
      return { ...next, evaluators: { ...state.evaluators, [event.data.evaluator]: { name: event.data.name, version } } };
    case 'EvaluatorTieDeclared': {
      const { evaluator, tie, note } = event.data;
      const assigned = state.evaluators[evaluator];
      return {
        ...next,
        ties: { ...state.ties, [evaluator]: { tie, note, version } },
        evaluators: assigned ? { ...state.evaluators, [evaluator]: { ...assigned, recused: { tie, note, version } } } : state.evaluators,
      };
    }
    case 'DimensionScored': {
      const { evaluator, dimension, points, reason } = event.data;
      return { ...next, expertScores: { ...state.expertScores, [evaluator]: { ...state.expertScores[evaluator], [dimension]: { points, reason, version } } } };
    }
    case 'PartyScored': {
      const { party, points, reason, by } = event.data;
      return { ...next, partyScores: { ...state.partyScores, [party]: { points, reason, by, version } } };
    }
    case 'IndicatorFiguresCaptured':
      return { ...next, figures: { ...event.data, version } };
    case 'FindingRecorded':
      return { ...next, findings: [...state.findings, { ...event.data, version }] };
    case 'SatisfactionSampleDrawn':
      return { ...next, sample: { ...event.data, version } };
    case 'SatisfactionResponsesRecorded': {
      const responses = { ...state.responses };
      for (const { household, satisfied, comment } of event.data.responses) responses[household] = { satisfied, ...(comment ? { comment } : {}), version };
      return { ...next, responses };
    }
    case 'FieldEvaluationCompleted':
      return { ...next, stage: 'draft_report', draftIssuedOn: event.data.draftIssuedOn, stageVersions: { ...state.stageVersions, draft_report: version } };
    case 'ObjectionRaised': {
      const { objectionId, party, text } = event.data;
      return { ...next, objections: { ...state.objections, [objectionId]: { party, text, version } } };
    }
    case 'ObjectionResolved': {
      const { objectionId, upheld, resolution } = event.data;
      const objection = state.objections[objectionId]!;
      return { ...next, objections: { ...state.objections, [objectionId]: { ...objection, resolution: { upheld, text: resolution, version } } } };
    }
    case 'FinalReportIssued':
      return { ...next, stage: 'final_report', final: { ...event.data, version }, stageVersions: { ...state.stageVersions, final_report: version } };
  }
}

export const foldCycle = (events: readonly CycleEvent[]): CycleState => events.reduce(evolve, initialCycleState());

function requireStage(state: CycleState, command: CycleCommand['type'], allowed: readonly Stage[]): void {
  if (state.stage === 'final_report') {
    throw invariant('cycle_final', `the final report of cycle ${state.cycleId} is issued: the cycle is immutable (${command} refused)`);
  }
  if (!allowed.includes(state.stage!)) {
    throw invariant('stage_out_of_order', `${command} is not allowed in stage ${state.stage} (${STAGE_NAMES[state.stage!]}); allowed in: ${allowed.join(', ')}`, {
      stage: state.stage,
      allowed,
    });
  }
}

function requireText(value: string, field: string): void {
  if (!value || value.trim() === '') throw invariant('reason_required', `${field} is required and must not be blank`, { field });
}

const SCORING: readonly Stage[] = ['field_evaluation', 'draft_report'];

/** Decides what a command changes; throws a DomainError naming the rule when it may not. */
export function decide(command: CycleCommand, state: CycleState): CycleEvent[] {
  if (command.type === 'OpenCycle') {
    if (state.version > 0) throw conflict('cycle_exists', `cycle ${command.cycleId} already exists`);
    rubric(command.rubricVersion);
    weightScheme(command.schemeVersion);
    const { cycleId, kind, cutOff, rubricVersion, schemeVersion, subject } = command;
    return [{ type: 'EvaluationCycleOpened', data: { cycleId, kind, cutOff, rubricVersion, schemeVersion, ...subject } }];
  }
  switch (command.type) {
    case 'SubmitSelfAssessment':
      requireStage(state, command.type, ['self_assessment']);
      requireText(command.summary, 'summary');
      return [{ type: 'SelfAssessmentSubmitted', data: { summary: command.summary } }];

    case 'AssignEvaluator': {
      requireStage(state, command.type, ['self_assessment', 'field_evaluation']);
      const tie = state.ties[command.evaluator];
      if (tie) {
        throw forbidden('evaluator_recused', `evaluator ${command.evaluator} declared a tie to the ${tie.tie} (${tie.note}) and must recuse (回避)`, { evaluator: command.evaluator, tie: tie.tie });
      }
      if (state.evaluators[command.evaluator]) throw conflict('evaluator_already_assigned', `evaluator ${command.evaluator} is already assigned`);
      return [{ type: 'EvaluatorAssigned', data: { evaluator: command.evaluator, name: command.name } }];
    }

    case 'DeclareTie':
      requireStage(state, command.type, ['self_assessment', 'field_evaluation', 'draft_report']);
      requireText(command.note, 'note');
      if (state.ties[command.evaluator]) throw conflict('tie_already_declared', `evaluator ${command.evaluator} has already declared a tie`);
      return [{ type: 'EvaluatorTieDeclared', data: { evaluator: command.evaluator, tie: command.tie, note: command.note } }];

    case 'ScoreDimension': {
      requireStage(state, command.type, SCORING);
      const { evaluator, dimension, points, reason } = command;
      const assigned = state.evaluators[evaluator];
      if (state.ties[evaluator]) {
        throw forbidden('evaluator_recused', `evaluator ${evaluator} declared a tie to the ${state.ties[evaluator]!.tie} and may not score (回避)`, { evaluator });
      }
      if (!assigned) throw forbidden('evaluator_not_assigned', `${evaluator} is not an evaluator assigned to cycle ${state.cycleId}`, { evaluator });
      const definition = rubric(state.rubricVersion!).dimensions.find((d) => d.code === dimension);
      if (!definition) throw invalid('unknown_dimension', `rubric ${state.rubricVersion} has no dimension "${dimension}"`, { dimension });
      if (definition.computed) {
        throw invariant('dimension_computed', `${definition.name} (${dimension}) is computed from indicator completion, not scored`, { dimension });
      }
      requireText(reason, 'reason');
      const value = Exact.parse(points);
      if (value.cmp(Exact.int(definition.maxPoints)) > 0) {
        throw invariant('score_above_maximum', `${definition.name} (${dimension}) is scored out of ${definition.maxPoints}; ${points} is above the maximum`, {
          dimension,
          maxPoints: definition.maxPoints,
          points,
        });
      }
      return [{ type: 'DimensionScored', data: { evaluator, dimension: definition.code, points: value.toFixed(2), reason: reason.trim() } }];
    }

    case 'ScoreAsParty': {
      requireStage(state, command.type, SCORING);
      const scheme = weightScheme(state.schemeVersion!);
      const party = command.party as ScoringParty;
      if (party === ('third_party' as string) || !scheme.weights[party]) {
        throw invalid('party_not_in_scheme', `"${command.party}" gives no score of its own in scheme ${scheme.version}; parties: ${Object.keys(scheme.weights).filter((p) => p !== 'third_party').join(', ')}`);
      }
      requireText(command.reason, 'reason');
      const value = Exact.parse(command.points);
      if (value.cmp(Exact.int(100)) > 0) {
        throw invariant('score_above_maximum', `a party scores out of 100; ${command.points} is above the maximum`, { party, maxPoints: 100, points: command.points });
      }
      return [{ type: 'PartyScored', data: { party, points: value.toFixed(2), reason: command.reason.trim(), by: command.by } }];
    }

    case 'CaptureIndicatorFigures':
      requireStage(state, command.type, SCORING);
      return [{ type: 'IndicatorFiguresCaptured', data: { asOf: state.cutOff!, periodStart: state.subject!.contract.periodStart, coveredPosition: command.coveredPosition, figures: command.figures } }];

    case 'RecordFinding': {
      requireStage(state, command.type, SCORING);
      requireText(command.text, 'text');
      if (command.evidence.length === 0) {
        throw invariant('evidence_required', 'a finding must name the records or figures it rests on (证据为本)');
      }
      if (state.findings.some((f) => f.findingId === command.findingId)) throw conflict('finding_exists', `finding ${command.findingId} already exists`);
      const { type: _type, ...data } = command;
      return [{ type: 'FindingRecorded', data }];
    }

    case 'DrawSatisfactionSample': {
      requireStage(state, command.type, ['field_evaluation']);
      if (state.sample) throw conflict('sample_drawn', `the satisfaction sample of cycle ${state.cycleId} is already drawn (seed ${state.sample.seed})`);
      if (command.population.length === 0) throw invariant('no_households', 'the station has no archived households as of the cut-off to survey');
      const minimum = weightScheme(state.schemeVersion!).satisfactionSample;
      const households = drawSample(command.population, command.seed, minimum);
      return [{ type: 'SatisfactionSampleDrawn', data: { seed: command.seed, minimum, populationSize: new Set(command.population).size, coveredPosition: command.coveredPosition, households } }];
    }

    case 'RecordSatisfactionResponses': {
      requireStage(state, command.type, SCORING);
      if (!state.sample) throw invariant('no_sample', 'draw the satisfaction sample before recording responses');
      const sampled = new Set(state.sample.households);
      const outside = command.responses.filter((r) => !sampled.has(r.household)).map((r) => r.household);
      if (outside.length > 0) throw invariant('household_not_sampled', `households not in the sample: ${outside.slice(0, 5).join(', ')}`, { households: outside });
      const households = command.responses.map((r) => r.household);
      const repeated = households.filter((h, i) => households.indexOf(h) !== i || state.responses[h]);
      if (repeated.length > 0) throw conflict('response_exists', `one response per household; already given for ${repeated.slice(0, 5).join(', ')}`);
      return [{ type: 'SatisfactionResponsesRecorded', data: { responses: command.responses } }];
    }

    case 'CompleteFieldEvaluation': {
      requireStage(state, command.type, ['field_evaluation']);
      const active = activeEvaluators(state);
      if (active.length === 0) throw invariant('no_evaluators', 'no assigned evaluator without a tie has scored the station');
      const incomplete = active.filter((e) => missingDimensions(state, e).length > 0);
      if (incomplete.length > 0) {
        throw invariant('scores_incomplete', `evaluators still to score every dimension: ${incomplete.join(', ')}`, {
          missing: Object.fromEntries(incomplete.map((e) => [e, missingDimensions(state, e)])),
        });
      }
      if (!state.figures) throw invariant('figures_missing', 'capture the indicator figures as of the cut-off before the draft report');
      return [{ type: 'FieldEvaluationCompleted', data: { draftIssuedOn: command.today } }];
    }

    case 'RaiseObjection':
      requireStage(state, command.type, ['draft_report']);
      requireText(command.text, 'text');
      if (state.objections[command.objectionId]) throw conflict('objection_exists', `objection ${command.objectionId} already exists`);
      return [{ type: 'ObjectionRaised', data: { objectionId: command.objectionId, party: command.party, text: command.text } }];

    case 'ResolveObjection': {
      requireStage(state, command.type, ['draft_report']);
      const objection = state.objections[command.objectionId];
      if (!objection) throw invalid('objection_not_found', `cycle ${state.cycleId} has no objection ${command.objectionId}`);
      if (objection.resolution) throw conflict('objection_resolved', `objection ${command.objectionId} is already resolved`);
      requireText(command.resolution, 'resolution');
      return [{ type: 'ObjectionResolved', data: { objectionId: command.objectionId, upheld: command.upheld, resolution: command.resolution } }];
    }

    case 'IssueFinalReport': {
      requireStage(state, command.type, ['draft_report']);
      const open = Object.entries(state.objections).filter(([, o]) => !o.resolution).map(([id]) => id);
      if (open.length > 0) throw invariant('objections_open', `objections still open: ${open.join(', ')}`, { objections: open });
      const score = scoreCycle(state);
      if (!score.result) throw invariant('scores_incomplete', `every party must have scored before the final report; missing: ${score.missing.join(', ')}`, { missing: score.missing });
      const { exact, grade } = score.result;
      return [{ type: 'FinalReportIssued', data: { issuedOn: command.today, total: exact.toFixed(2), exactTotal: exact.toString(), grade } }];
    }
  }
}
