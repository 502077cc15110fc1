import { notFound } from '@app/kernel';
import { Exact } from './exact.js';

/** The parties that score a station (四方评估). */
export type Party = 'third_party' | 'street_office' | 'supervision_centre' | 'district_bureau';
/** The parties that give one score of their own; the third party's score comes from its experts. */
export type ScoringParty = Exclude<Party, 'third_party'>;

export const PARTY_NAMES: Record<Party, string> = {
  third_party: '第三方评估机构',
  street_office: '街道办事处（购买方）',
  supervision_centre: '督导中心',
  district_bureau: '区民政局（监督方）',
};

export type Grade = '优秀' | '良好' | '合格' | '不合格';

/**
 * A weighting scheme: which parties score, how many of the total's points each carries (every party
 * scores out of 100 and its score is scaled to its weight), and the lowest total of each grade.
 * Schemes change between years and districts; a cycle records the version it was opened with.
 */
export interface WeightScheme {
  version: string;
  title: string;
  maxTotal: number;
  weights: Partial<Record<Party, number>>;
  /** Lowest total of each grade, best first; below the last one the grade is 不合格. */
  grades: { grade: Exclude<Grade, '不合格'>; min: number }[];
  /** Households surveyed for satisfaction: at least this many, or all of them when fewer. */
  satisfactionSample: number;
}

export const WEIGHT_SCHEMES: Record<string, WeightScheme> = {
  // Seed 003 (2025): 第三方 55%、街道 20%、督导中心 15%、区民政局 10%; 优秀 ≥ 90, 良好 80..<90, 合格 60..<80.
  '2025': {
    version: '2025',
    title: '2025 年度社工站评估（四方评分 55/20/15/10，满分 100）',
    maxTotal: 100,
    weights: { third_party: 55, street_office: 20, supervision_centre: 15, district_bureau: 10 },
    grades: [
      { grade: '优秀', min: 90 },
      { grade: '良好', min: 80 },
      { grade: '合格', min: 60 },
    ],
    satisfactionSample: 100,
  },
  // The 2019 trial: 1000 points, 700 third-party professional and financial evaluation, 200 purchaser,
  // 100 supervisor. The documents give no grade edges for it: the 2025 ratios are assumed.
  '2019': {
    version: '2019',
    title: '2019 年试行方案（满分 1000：第三方 700、购买方 200、监督方 100）',
    maxTotal: 1000,
    weights: { third_party: 700, street_office: 200, district_bureau: 100 },
    grades: [
      { grade: '优秀', min: 900 },
      { grade: '良好', min: 800 },
      { grade: '合格', min: 600 },
    ],
    satisfactionSample: 100,
  },
};

export const DEFAULT_SCHEME = '2025';

export function weightScheme(version: string): WeightScheme {
  const scheme = WEIGHT_SCHEMES[version];
  if (!scheme) throw notFound('unknown_scheme', `no weight scheme "${version}"; known: ${Object.keys(WEIGHT_SCHEMES).join(', ')}`);
  return scheme;
}

export function gradeOf(total: Exact, scheme: WeightScheme): Grade {
  for (const { grade, min } of scheme.grades) if (total.cmp(Exact.int(min)) >= 0) return grade;
  return '不合格';
}
