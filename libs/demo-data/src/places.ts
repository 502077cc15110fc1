/**
 * The places and contracts of the two source reports, as setup records of the import format.
 */
import type { AreaSpec, SetupRecords } from '@app/recording';
import { SANYUANLI_EXPECTED, YUANGANG_EXPECTED, type ExpectedStation } from './expected.js';

export const DEMO_DISTRICTS: SetupRecords['district'][] = [
  { id: 'demo-district-440106', kind: 'district', code: '440106', name: '天河区' },
  { id: 'demo-district-440111', kind: 'district', code: '440111', name: '白云区' },
];

/** Seed 003 names the 3 片区 and 13 社区 of 三元里街; codes are pinyin so they travel in URLs. */
const SANYUANLI_AREAS: AreaSpec[] = [
  {
    code: 'A1',
    name: '一片区',
    communities: [
      { code: 'shiliuqiao', name: '石榴桥社区' },
      { code: 'songbaigang', name: '松柏岗社区' },
      { code: 'jichang1', name: '机场第一社区' },
      { code: 'jichang2', name: '机场第二社区' },
      { code: 'jichang3', name: '机场第三社区' },
    ],
  },
  {
    code: 'A2',
    name: '二片区',
    communities: [
      { code: 'ziyuangang', name: '梓元岗社区' },
      { code: 'zoumagang', name: '走马岗社区' },
      { code: 'zhongyiyao', name: '中医药大学社区' },
      { code: 'jinguiyuan', name: '金桂园社区' },
    ],
  },
  {
    code: 'A3',
    name: '三片区',
    communities: [
      { code: 'dongyue', name: '东约社区' },
      { code: 'xiyue', name: '西约社区' },
      { code: 'feie', name: '飞鹅新村社区' },
      { code: 'huayuan', name: '华园社区' },
    ],
  },
];

/**
 * Seed 000 names no service areas or communities of 元岗街: the demo uses one area of three
 * communities so that per-community totals can be shown; they are illustrative, not from the report.
 */
const YUANGANG_AREAS: AreaSpec[] = [
  {
    code: 'A1',
    name: '元岗片区',
    communities: [
      { code: 'yuangang', name: '元岗社区' },
      { code: 'hengzhigang', name: '横枝岗社区' },
      { code: 'tianshou', name: '天寿社区' },
    ],
  },
];

export const DEMO_STATIONS_SETUP: SetupRecords['station'][] = [
  {
    id: 'demo-station-YG',
    kind: 'station',
    code: YUANGANG_EXPECTED.station,
    name: '元岗街社工服务站',
    district: YUANGANG_EXPECTED.district,
    street: '元岗街',
    operator: '广州市北斗星社会工作服务中心',
    areas: YUANGANG_AREAS,
  },
  {
    id: 'demo-station-SYL',
    kind: 'station',
    code: SANYUANLI_EXPECTED.station,
    name: '三元里街社工服务站',
    district: SANYUANLI_EXPECTED.district,
    street: '三元里街',
    operator: '广州市穗星社会工作服务中心',
    areas: SANYUANLI_AREAS,
  },
];

function contractOf(expected: ExpectedStation, budgetYuan: string): SetupRecords['contract'] {
  const targets: Record<string, number | string> = {};
  for (const indicator of expected.indicators) {
    if (indicator.target !== undefined) targets[indicator.code] = indicator.target;
  }
  return {
    id: `demo-contract-${expected.station}`,
    kind: 'contract',
    code: expected.contract,
    station: expected.station,
    periodStart: expected.from,
    periodEnd: expected.to,
    budgetYuan,
    targets,
  };
}

export const DEMO_CONTRACTS: SetupRecords['contract'][] = [
  // The 2023 year of the five-year procurement 440106-201808-102130-0013 (12,000,000 元 in all):
  // 2023 funds of 2,400,000 元; the report covers "近 11 个月" of service in 2023.
  contractOf(YUANGANG_EXPECTED, '2400000.00'),
  // Seed 003 prints no procurement number: the demo's is made up. 服务经费 240 万元.
  contractOf(SANYUANLI_EXPECTED, '2400000.00'),
];

export function communitiesOf(station: string): string[] {
  const spec = DEMO_STATIONS_SETUP.find((s) => s.code === station);
  if (!spec) throw new Error(`no demo station ${station}`);
  return spec.areas.flatMap((area) => area.communities.map((c) => c.code));
}

export function areaCommunities(station: string, area: string): string[] {
  const spec = DEMO_STATIONS_SETUP.find((s) => s.code === station)?.areas.find((a) => a.code === area);
  if (!spec) throw new Error(`no demo area ${station}/${area}`);
  return spec.communities.map((c) => c.code);
}
