/**
 * The figures of the two source reports, written once as data. The demo generator produces records
 * whose totals equal `actual`; the contracts carry `target`; golden tests check that actual ÷ target,
 * printed with the report's precision, gives `reportedRate` (the rate exactly as the report prints it).
 *
 * Targets (协议指标量) are not printed in the reports: each one is derived as the round number that
 * makes the printed rate come out (e.g. 电访 3414 of 3000 = 113.80%; Yuangang 探访 593 of 500 = 118.6% → 119%).
 */

/** Counts are numbers; money (`resources_linked_yuan`) is a decimal string of yuan. */
export type Figure = number | string;

export interface ExpectedIndicator {
  /** A standard indicator code of RECORDS.md. */
  code: string;
  actual: Figure;
  /** Absent: the report gives a figure but no rate, so the demo contract sets no target. */
  target?: Figure;
  /** The completion rate (达成率) exactly as the report prints it, e.g. '113.80%' or '119%'. */
  reportedRate?: string;
}

export interface ExpectedStation {
  station: string;
  district: string;
  contract: string;
  /** The contract period; every demo record of the station falls inside it. */
  from: string;
  to: string;
  indicators: ExpectedIndicator[];
}

export interface CommunityArchive {
  community: string;
  households: number;
  persons: number;
}

/**
 * 一户一档 per community (seed 003, 服务质量). 华园 is given as "29 人" only; its household count is
 * not printed, so the demo takes 29 户 29 人 (三片区's 498 份 are persons: 105 + 121 + 243 + 29).
 */
export const SANYUANLI_ARCHIVES: CommunityArchive[] = [
  { community: 'songbaigang', households: 120, persons: 135 },
  { community: 'shiliuqiao', households: 38, persons: 52 },
  { community: 'jichang1', households: 59, persons: 64 },
  { community: 'jichang2', households: 50, persons: 50 },
  { community: 'jichang3', households: 13, persons: 14 },
  { community: 'zoumagang', households: 144, persons: 184 },
  { community: 'ziyuangang', households: 118, persons: 136 },
  { community: 'zhongyiyao', households: 46, persons: 49 },
  { community: 'jinguiyuan', households: 8, persons: 9 },
  { community: 'dongyue', households: 90, persons: 105 },
  { community: 'xiyue', households: 110, persons: 121 },
  { community: 'feie', households: 224, persons: 243 },
  { community: 'huayuan', households: 29, persons: 29 },
];

/** Seed 003: 2025 final evaluation of 三元里街社工站 (Baiyun 440111), table of section 二(二). */
export const SANYUANLI_EXPECTED: ExpectedStation = {
  station: 'SYL',
  district: '440111',
  contract: '440111-202405-SYL-0001',
  from: '2024-05-24',
  to: '2025-05-23',
  indicators: [
    { code: 'phone_contacts', actual: 3414, target: 3000, reportedRate: '113.80%' },
    { code: 'home_visits', actual: 1187, target: 1000, reportedRate: '118.7%' },
    { code: 'consult_cases_closed', actual: 63, target: 60, reportedRate: '105%' },
    { code: 'cases_opened', actual: 62, target: 60, reportedRate: '103.33%' },
    { code: 'case_sessions', actual: 381, target: 360, reportedRate: '105.83%' },
    { code: 'cases_closed', actual: 50, target: 48, reportedRate: '104.17%' },
    { code: 'groups', actual: 30, target: 30, reportedRate: '100%' },
    { code: 'group_sessions', actual: 180, target: 180, reportedRate: '100%' },
    { code: 'group_attendance', actual: 1468, target: 1080, reportedRate: '135.93%' },
    { code: 'large_activities', actual: 8, target: 8, reportedRate: '100%' },
    { code: 'large_activity_attendance', actual: 846, target: 560, reportedRate: '151.07%' },
    { code: 'small_activities', actual: 70, target: 70, reportedRate: '100%' },
    { code: 'small_activity_attendance', actual: 3512, target: 1400, reportedRate: '250.86%' },
    { code: 'volunteers_registered', actual: 80, target: 80, reportedRate: '100%' },
    { code: 'volunteer_core', actual: 26, target: 26, reportedRate: '100%' },
    { code: 'volunteer_teams_formed', actual: 2, target: 2, reportedRate: '100%' },
    // 服务成效 (3): "链接物资和资金共计 40.53 万元" (no target, no rate).
    { code: 'resources_linked_yuan', actual: '405300.00' },
    // 服务质量: the per-community 户/人 of 一户一档, all 100% archived.
    { code: 'households_archived', actual: sum(SANYUANLI_ARCHIVES.map((c) => c.households)) },
    { code: 'persons_archived', actual: sum(SANYUANLI_ARCHIVES.map((c) => c.persons)) },
  ],
};

/** Seed 000: 2023 performance evaluation of 元岗街社工站 (Tianhe 440106), section 一(五). */
export const YUANGANG_EXPECTED: ExpectedStation = {
  station: 'YG',
  district: '440106',
  contract: '440106-201808-102130-0013',
  from: '2023-01-01',
  to: '2023-12-31',
  indicators: [
    { code: 'home_visits', actual: 593, target: 500, reportedRate: '119%' },
    { code: 'phone_contacts', actual: 1977, target: 1900, reportedRate: '104%' },
    { code: 'cases_opened', actual: 95, target: 92, reportedRate: '103%' },
    { code: 'groups', actual: 35, target: 35, reportedRate: '100%' },
    { code: 'group_sessions', actual: 173, target: 140, reportedRate: '124%' },
    { code: 'group_attendance', actual: 1600, target: 700, reportedRate: '229%' },
    { code: 'large_activities', actual: 10, target: 10, reportedRate: '100%' },
    { code: 'large_activity_attendance', actual: 1552, target: 1000, reportedRate: '155%' },
    { code: 'small_activities', actual: 31, target: 22, reportedRate: '141%' },
    { code: 'small_activity_attendance', actual: 1159, target: 1100, reportedRate: '105.4%' },
    { code: 'regular_services', actual: 325, target: 300, reportedRate: '108%' },
    { code: 'outreach', actual: 29 },
    { code: 'outreach_reached', actual: 699 },
    { code: 'volunteers_registered', actual: 465, target: 150, reportedRate: '310%' },
    { code: 'volunteer_teams_formed', actual: 6, target: 2, reportedRate: '300%' },
    // 通用性培训 6 场 (120%) + 活动性培训 36 场 (180%): the standard code counts both types.
    { code: 'volunteer_trainings', actual: 42 },
    { code: 'resources_linked_yuan', actual: '523106.71', target: '60000.00', reportedRate: '872%' },
  ],
};

/**
 * Report figures no standard indicator measures, kept for a district-defined indicator (the catalog
 * is data): the kind and filter that would count them, and the target the rate implies.
 */
export const YUANGANG_DISTRICT_FIGURES = [
  { name: '志愿者通用性培训', kind: 'volunteer_training', filter: { type: 'general' }, actual: 6, target: 5, reportedRate: '120%' },
  { name: '志愿者活动性培训', kind: 'volunteer_training', filter: { type: 'activity' }, actual: 36, target: 20, reportedRate: '180%' },
] as const;

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export const DEMO_STATIONS: ExpectedStation[] = [YUANGANG_EXPECTED, SANYUANLI_EXPECTED];

/** The expected actual of one indicator of one station (throws when the table has none). */
export function expectedActual(station: ExpectedStation, code: string): Figure {
  const row = station.indicators.find((indicator) => indicator.code === code);
  if (!row) throw new Error(`no expected figure for ${code} at ${station.station}`);
  return row.actual;
}
