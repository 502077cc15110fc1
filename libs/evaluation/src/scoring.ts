/**
 * Why a score is what it is: the pure computation behind every total, returned with its inputs so the
 * audit trail can show it. Third-party score = the mean of the experts' totals (each expert's scored
 * dimensions plus the computed 服务进度 points); only assigned experts without a declared tie count.
 */
import type { CycleState } from './cycle.js';
import { Exact } from './exact.js';
import { completionRate, progressPoints, rubric, scoredDimensions, type Dimension } from './rubric.js';
import { gradeOf, weightScheme, type Grade, type Party, type ScoringParty } from './schemes.js';

export const activeEvaluators = (state: CycleState): string[] =>
  Object.entries(state.evaluators)
    .filter(([, e]) => !e.recused)
    .map(([id]) => id)
    .sort();

/** The dimensions an expert has still to score; empty when the expert is done. */
export function missingDimensions(state: CycleState, evaluator: string): Dimension[] {
  const scores = state.expertScores[evaluator] ?? {};
  return scoredDimensions(rubric(state.rubricVersion!))
    .map((d) => d.code)
    .filter((code) => !scores[code]);
}

/** An exact value with its rounded presentation. */
export interface Figure {
  value: string;
  exact: string;
}
const figure = (x: Exact): Figure => ({ value: x.toFixed(2), exact: x.toString() });

export interface ScoreExplanation {
  cycleId: string;
  rubricVersion: string;
  schemeVersion: string;
  thirdPartyMethod: string;
  progress: {
    formula: string;
    maxPoints: number;
    points: Figure | null;
    asOf: string | null;
    coveredPosition: number | null;
    version: number | null;
    indicators: { code: string; name: string; actual: string; target: string | null; rate: Figure | null; counted: Figure | null }[];
  };
  experts: {
    evaluator: string;
    name: string;
    counted: boolean;
    recused: { tie: string; note: string; version: number } | null;
    dimensions: { dimension: Dimension; name: string; maxPoints: number; points: string; reason: string; version: number }[];
    missing: Dimension[];
    total: Figure | null;
  }[];
  parties: { party: Party; weight: number; score: Figure | null; weighted: Figure | null; source: string; version: number | null; by: string | null; reason: string | null }[];
  maxTotal: number;
  missing: string[];
  total: Figure | null;
  grade: Grade | null;
  /** Set once the final report is issued: the frozen result. */
  final: { total: string; exactTotal: string; grade: Grade; version: number } | null;
}

export interface CycleScore {
  explanation: ScoreExplanation;
  missing: string[];
  result: { exact: Exact; grade: Grade } | null;
}

export function scoreCycle(state: CycleState): CycleScore {
  const r = rubric(state.rubricVersion!);
  const scheme = weightScheme(state.schemeVersion!);
  const progressDimension = r.dimensions.find((d) => d.computed === 'indicator_completion');
  const progress = state.figures ? progressPoints(r, state.figures.figures) : null;
  const missing: string[] = [];
  if (progressDimension && !progress) missing.push('indicator_figures');

  const experts = Object.entries(state.evaluators)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([evaluator, info]) => {
      const scores = state.expertScores[evaluator] ?? {};
      const dimensions = scoredDimensions(r)
        .filter((d) => scores[d.code])
        .map((d) => ({ dimension: d.code, name: d.name, maxPoints: d.maxPoints, ...scores[d.code]! }));
      const gaps = missingDimensions(state, evaluator);
      const complete = gaps.length === 0 && (!progressDimension || progress !== null);
      const total = complete ? Exact.sum(dimensions.map((d) => Exact.parse(d.points))).plus(progress ?? Exact.ZERO) : null;
      return { evaluator, name: info.name, counted: !info.recused, recused: info.recused ?? null, dimensions, missing: gaps, total };
    });
  const counted = experts.filter((e) => e.counted);
  const thirdParty =
    counted.length > 0 && counted.every((e) => e.total) ? Exact.sum(counted.map((e) => e.total!)).div(Exact.int(counted.length)) : null;

  const parties = (Object.entries(scheme.weights) as [Party, number][]).map(([party, weight]) => {
    if (party === 'third_party') {
      return { party, weight, score: thirdParty, source: `mean of ${counted.length} expert totals`, version: null, by: null, reason: null };
    }
    const given = state.partyScores[party as ScoringParty];
    return {
      party,
      weight,
      score: given ? Exact.parse(given.points) : null,
      source: 'party score',
      version: given?.version ?? null,
      by: given?.by ?? null,
      reason: given?.reason ?? null,
    };
  });
  for (const p of parties) if (!p.score) missing.push(p.party);
  const weighted = parties.map((p) => (p.score ? p.score.times(Exact.ratio(BigInt(p.weight), 100n)) : null));
  const total = weighted.every((w) => w) ? Exact.sum(weighted as Exact[]) : null;
  const grade = total ? gradeOf(total, scheme) : null;

  const explanation: ScoreExplanation = {
    cycleId: state.cycleId!,
    rubricVersion: r.version,
    schemeVersion: scheme.version,
    thirdPartyMethod:
      'third-party score = mean over assigned experts without a declared tie of (sum of their dimension scores + computed 服务进度 points)',
    progress: {
      formula: r.progressFormula,
      maxPoints: progressDimension?.maxPoints ?? 0,
      points: progress ? figure(progress) : null,
      asOf: state.figures?.asOf ?? null,
      coveredPosition: state.figures?.coveredPosition ?? null,
      version: state.figures?.version ?? null,
      indicators: (state.figures?.figures ?? []).map((f) => {
        const rate = completionRate(f);
        return { code: f.code, name: f.name, actual: f.actual, target: f.target, rate: rate ? figure(rate) : null, counted: rate ? figure(rate.min(Exact.int(1))) : null };
      }),
    },
    experts: experts.map((e) => ({ ...e, total: e.total ? figure(e.total) : null })),
    parties: parties.map((p, i) => ({ ...p, score: p.score ? figure(p.score) : null, weighted: weighted[i] ? figure(weighted[i]!) : null })),
    maxTotal: scheme.maxTotal,
    missing,
    total: total ? figure(total) : null,
    grade,
    final: state.final ? { total: state.final.total, exactTotal: state.final.exactTotal, grade: state.final.grade, version: state.final.version } : null,
  };
  return { explanation, missing, result: total && grade ? { exact: total, grade } : null };
}
