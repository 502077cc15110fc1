import { notFound } from '@app/kernel';
import { Exact } from './exact.js';

export type Dimension = 'project_management' | 'service_quality' | 'service_monitoring' | 'service_outcomes' | 'service_progress';

export interface RubricDimension {
  code: Dimension;
  name: string;
  maxPoints: number;
  /** Computed dimensions are not scored by experts; the rubric states the formula. */
  computed?: 'indicator_completion';
}

export interface Rubric {
  version: string;
  dimensions: RubricDimension[];
  /** The 服务进度 formula, stated so a report and an explanation can quote it. */
  progressFormula: string;
}

export const RUBRICS: Record<string, Rubric> = {
  '2025-v1': {
    version: '2025-v1',
    dimensions: [
      { code: 'project_management', name: '项目管理', maxPoints: 20 },
      { code: 'service_quality', name: '服务质量', maxPoints: 35 },
      { code: 'service_monitoring', name: '服务监测', maxPoints: 15 },
      { code: 'service_outcomes', name: '服务成效', maxPoints: 20 },
      { code: 'service_progress', name: '服务进度', maxPoints: 10, computed: 'indicator_completion' },
    ],
    progressFormula:
      '服务进度 = 满分 × 各协议指标完成度的平均值；每项指标完成度 = min(完成量 ÷ 协议指标量, 1)，' +
      '即完成 100% 及以上得该项满分，不足按比例计分；只计有协议指标量的指标，数据截至评估周期的截止日。',
  },
};

export const DEFAULT_RUBRIC = '2025-v1';

export function rubric(version: string): Rubric {
  const found = RUBRICS[version];
  if (!found) throw notFound('unknown_rubric', `no rubric "${version}"; known: ${Object.keys(RUBRICS).join(', ')}`);
  return found;
}

export const scoredDimensions = (r: Rubric): RubricDimension[] => r.dimensions.filter((d) => !d.computed);

/** One indicator as of the cut-off: exact decimal strings (counts are whole numbers, money has fen). */
export interface IndicatorFigure {
  code: string;
  name: string;
  unit: string;
  actual: string;
  target: string | null;
}

export const completionRate = (f: IndicatorFigure): Exact | null =>
  f.target === null || Exact.parseAmount(f.target).cmp(Exact.ZERO) === 0
    ? null
    : Exact.parseAmount(f.actual).div(Exact.parseAmount(f.target));

/** Points of the computed 服务进度 dimension, by the rubric's formula; null when no indicator has a target. */
export function progressPoints(r: Rubric, figures: readonly IndicatorFigure[]): Exact | null {
  const dimension = r.dimensions.find((d) => d.computed === 'indicator_completion');
  if (!dimension) return null;
  const rates = figures.map(completionRate).filter((rate): rate is Exact => rate !== null);
  if (rates.length === 0) return null;
  const meanCompletion = Exact.sum(rates.map((rate) => rate.min(Exact.int(1)))).div(Exact.int(rates.length));
  return meanCompletion.times(Exact.int(dimension.maxPoints));
}
