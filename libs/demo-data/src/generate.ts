/**
 * Generated service records of the two demo stations. Deterministic (seeded), spread over the
 * communities, areas and dates of each contract period, and built so that every indicator total equals
 * the report's figure in expected.ts, after the few corrections the demo also records.
 */
import { fenToYuan, yuanToFen, type LocalDate } from '@app/kernel';
import type { AnyRecord, CorrectionRecord, ServiceFields, ServiceKind, ServiceRecord } from '@app/recording';
import {
  SANYUANLI_ARCHIVES,
  SANYUANLI_EXPECTED,
  YUANGANG_EXPECTED,
  expectedActual,
  type ExpectedStation,
} from './expected.js';
import { DEMO_CONTRACTS, DEMO_DISTRICTS, DEMO_STATIONS_SETUP, areaCommunities, communitiesOf } from './places.js';
import { Random, addDays } from './random.js';

/** 17 categories of 困难群众和特殊群体 (the ones the reports and the brief name first). */
const CATEGORIES = [
  '低保', '特困', '低保边缘', '支出型困难家庭', '残疾人', '困境儿童', '孤寡长者', '空巢长者', '独居长者',
  '失能长者', '重残长者', '计生特殊家庭', '优抚对象', '留守儿童', '散居孤儿', '事实无人抚养儿童', '其他困难群体',
] as const;

const GROUP_TITLES = ['长者健康', '亲子沟通', '青少年成长', '照顾者支持', '残障人士互助', '长者防骗', '情绪减压', '邻里互助'];
const ACTIVITY_TITLES = ['中秋邻里节', '健康义诊', '消防安全宣传', '红色文化研学', '长者生日会', '亲子手工', '政策宣传', '社区议事会'];
const RESOURCE_SOURCES = ['爱心企业', '社区慈善基金', '共建党组织', '社区商户', '志愿者团队', '高校', '医院'];

/** Where a service happens: the community and the social workers (社工) serving it. */
interface StationPlan {
  expected: ExpectedStation;
  /** The days services happen (inside the contract period). */
  from: LocalDate;
  to: LocalDate;
  workersOf: (community: string) => readonly string[];
}

class StationRecords {
  readonly services: ServiceRecord[] = [];
  readonly corrections: CorrectionRecord[] = [];
  readonly rng: Random;
  private readonly counters = new Map<string, number>();
  /** Archived households per community, for the services that name one. */
  readonly households = new Map<string, string[]>();

  constructor(readonly plan: StationPlan) {
    this.rng = new Random(`demo:${plan.expected.station}`);
  }

  get station(): string {
    return this.plan.expected.station;
  }

  nextId(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `demo-${this.station}-${kind}-${String(n).padStart(5, '0')}`;
  }

  add<K extends ServiceKind>(kind: K, community: string, occurredOn: LocalDate, fields: ServiceFields[K]): ServiceRecord<K> {
    const record = {
      id: this.nextId(kind),
      kind,
      station: this.station,
      community,
      occurredOn,
      worker: this.rng.pick(this.plan.workersOf(community)),
      ...fields,
    } as ServiceRecord<K>;
    this.services.push(record);
    return record;
  }

  date(from: LocalDate = this.plan.from, to: LocalDate = this.plan.to): LocalDate {
    return this.rng.date(from < this.plan.from ? this.plan.from : from, to > this.plan.to ? this.plan.to : to);
  }

  /** A household of the community, when it has archived ones (most contacts name one). */
  householdIn(community: string, except: readonly string[] = []): string | undefined {
    const candidates = (this.households.get(community) ?? []).filter((h) => !except.includes(h));
    return candidates.length > 0 && this.rng.next() < 0.9 ? this.rng.pick(candidates) : undefined;
  }

  /** `count` records of `kind` over the communities, each with `fields` for its community. */
  spread<K extends ServiceKind>(
    kind: K,
    count: number,
    communities: readonly string[],
    fields: (community: string, i: number) => ServiceFields[K],
  ): ServiceRecord<K>[] {
    return Array.from({ length: count }, (_, i) => {
      const community = this.rng.pick(communities);
      return this.add(kind, community, this.date(), fields(community, i));
    });
  }

  /** Amounts of yuan summing exactly to `totalYuan`, over `count` records. */
  resources(totalYuan: string, count: number, communities: readonly string[], resourceType?: 'money' | 'goods' | 'venue'): void {
    const fen = this.rng.split(Number(yuanToFen(totalYuan)), count, 1000);
    fen.forEach((amount) =>
      this.spread('resource_linked', 1, communities, () => ({
        amountYuan: fenToYuan(BigInt(amount)),
        resourceType: resourceType ?? this.rng.pick(['money', 'goods', 'venue'] as const),
        source: this.rng.pick(RESOURCE_SOURCES),
      })),
    );
  }

  void(record: ServiceRecord, reason: string): void {
    this.corrections.push({ id: this.nextId('correction'), kind: 'correction', corrects: record.id, action: 'void', reason });
  }

  replace(record: ServiceRecord, replacement: ServiceRecord, reason: string): void {
    const { id: _id, ...body } = replacement;
    this.corrections.push({ id: this.nextId('correction'), kind: 'correction', corrects: record.id, action: 'replace', replacement: body, reason });
  }

  count(code: string): number {
    return expectedActual(this.plan.expected, code) as number;
  }

  /** Professional cases (专业个案): consent, opening, sessions after it, and closing after those. */
  cases(opened: number, sessions: number, closed: number, communities: readonly string[], caseTag: string): void {
    const perCase = this.rng.split(sessions, opened, sessions >= opened ? 1 : 0);
    const closing = new Set(this.rng.sample([...Array(opened).keys()], closed));
    for (let i = 0; i < opened; i++) {
      const community = this.rng.pick(communities);
      const openedOn = this.date(this.plan.from, addDays(this.plan.to, -120));
      const household = this.householdIn(community) ?? `${this.station}-${community}-H${String(i + 1).padStart(4, '0')}`;
      const caseId = `${this.station}-${caseTag}-C${i + 1}-${openedOn.slice(0, 4)}`;
      this.add('case_opened', community, openedOn, {
        case: caseId,
        household,
        consentOn: addDays(openedOn, -this.rng.int(0, 7)),
      });
      let day = openedOn;
      for (let s = 0; s < perCase[i]!; s++) {
        day = addDays(day, this.rng.int(1, Math.max(1, Math.floor(100 / perCase[i]!))));
        this.add('case_session', community, day, { case: caseId });
      }
      if (closing.has(i)) this.add('case_closed', community, addDays(day, this.rng.int(1, 10)), { case: caseId });
    }
  }

  /** Groups (小组) with their sessions (节) after forming and the attendance (人次) of each session. */
  groups(groups: number, sessions: number[], attendance: number, communities: readonly string[], titles = GROUP_TITLES): ServiceRecord<'group_session'>[] {
    const perSession = this.rng.split(attendance, sessions.reduce((a, b) => a + b, 0), 3);
    const recorded: ServiceRecord<'group_session'>[] = [];
    for (let g = 0; g < groups; g++) {
      const community = this.rng.pick(communities);
      const group = this.nextId('group');
      let day = this.date(this.plan.from, addDays(this.plan.to, -90));
      this.add('group_formed', community, day, { group, title: `${this.rng.pick(titles)}小组` });
      for (let s = 0; s < sessions[g]!; s++) {
        day = addDays(day, this.rng.int(3, 12));
        recorded.push(this.add('group_session', community, day, { group, attendance: perSession.pop()! }));
      }
    }
    return recorded;
  }

  activities(size: 'large' | 'small', count: number, attendance: number, communities: readonly string[], titles = ACTIVITY_TITLES): void {
    const each = this.rng.split(attendance, count, size === 'large' ? 50 : 10);
    each.forEach((persons) =>
      this.spread('activity', 1, communities, () => ({
        size,
        title: this.rng.pick(titles),
        attendance: persons,
        partners: this.rng.int(0, 4),
      })),
    );
  }

  /** Volunteers registered (新登记), some of them later made core members (骨干). */
  volunteers(registered: number, core: number, communities: readonly string[]): void {
    const records = Array.from({ length: registered }, () => {
      const community = this.rng.pick(communities);
      const registeredOn = this.date(this.plan.from, addDays(this.plan.to, -30));
      return this.add('volunteer_registered', community, registeredOn, { volunteer: this.nextId('volunteer') });
    });
    for (const record of this.rng.sample(records, core)) {
      this.add('volunteer_core', record.community, this.date(addDays(record.occurredOn, 1)), { volunteer: record.volunteer });
    }
  }
}

function workersByArea(station: string, areas: Record<string, number>): (community: string) => readonly string[] {
  const byCommunity = new Map<string, string[]>();
  let n = 0;
  for (const [area, count] of Object.entries(areas)) {
    const workers = Array.from({ length: count }, () => `${station}-W${String(++n).padStart(2, '0')}`);
    for (const community of areaCommunities(station, area)) byCommunity.set(community, workers);
  }
  return (community) => byCommunity.get(community)!;
}

/** 三元里街 2024-05-24 … (figures as of 2025-04-23, the date the report's data stop). */
function sanyuanli(): StationRecords {
  const r = new StationRecords({
    expected: SANYUANLI_EXPECTED,
    from: SANYUANLI_EXPECTED.from,
    to: '2025-04-23',
    workersOf: workersByArea('SYL', { A1: 7, A2: 7, A3: 6 }),
  });
  const all = communitiesOf('SYL');
  const [a1, a2, a3] = (['A1', 'A2', 'A3'] as const).map((area) => areaCommunities('SYL', area)) as [string[], string[], string[]];
  const names = new Map(DEMO_STATIONS_SETUP.find((s) => s.code === 'SYL')!.areas.flatMap((a) => a.communities.map((c) => [c.code, c.name.replace(/社区$/, '')])));

  // 一户一档: every household archived early in the period, persons spread over households.
  for (const { community, households, persons } of SANYUANLI_ARCHIVES) {
    const sizes = r.rng.split(persons - households, households, 0).map((extra) => extra + 1);
    const ids: string[] = [];
    sizes.forEach((size, i) => {
      const household = `SYL-${names.get(community)}-C${String(i + 1).padStart(4, '0')}`;
      ids.push(household);
      // 一片区: about 70% of the archived are people with disabilities (the evaluator's concern).
      const category = a1.includes(community) && r.rng.next() < 0.7 ? '残疾人' : r.rng.pick(CATEGORIES);
      r.add('household_archived', community, r.date(r.plan.from, addDays(r.plan.from, 60)), {
        household,
        persons: size,
        category,
        riskLevel: r.rng.pick([1, 2, 2, 3, 3, 3, 4, 5]),
      });
    });
    r.households.set(community, ids);
  }

  // The two elders of 飞鹅新村 the evaluator names: level 5 on the cover, 3 in the assessment; one
  // reached by phone once (in April 2025) after one failed visit and ten SMS, the other never visited.
  const [c0154, c0158] = ['SYL-飞鹅新村-C0154', 'SYL-飞鹅新村-C0158'];
  const special = [c0154, c0158];
  for (const household of special) {
    r.add('household_reassessed', 'feie', '2024-09-10', { household, riskLevel: 3 });
  }
  for (let i = 0; i < 10; i++) r.add('phone_contact', 'feie', addDays('2024-07-01', i * 28), { household: c0154, effective: false });
  r.add('home_visit', 'feie', '2024-11-20', { household: c0154, entered: false });
  r.add('phone_contact', 'feie', '2025-04-15', { household: c0154, effective: true });
  for (let i = 0; i < 12; i++) r.add('phone_contact', 'feie', addDays('2024-06-05', i * 26), { household: c0158, effective: true });
  for (let i = 0; i < 3; i++) r.add('phone_contact', 'feie', addDays('2024-08-15', i * 60), { household: c0158, effective: false });
  const specialContacts = 13;

  // 分级评估 re-done for some households during the year.
  for (const community of all) {
    for (const household of r.rng.sample(r.households.get(community)!.filter((h) => !special.includes(h)), 4)) {
      r.add('household_reassessed', community, r.date(addDays(r.plan.from, 90)), { household, riskLevel: r.rng.int(1, 5) });
    }
  }

  // 电访 and 探访: 三片区 made 1236 and 417 of them (服务质量 (3)②).
  const about = <T extends object>(community: string, fields: T): T & { household?: string } => {
    const household = r.householdIn(community, special);
    return household ? { household, ...fields } : fields;
  };
  const phones = (count: number, communities: readonly string[], effective: boolean) =>
    r.spread('phone_contact', count, communities, (community) => about(community, { effective }));
  const visits = (count: number, communities: readonly string[], entered: boolean) =>
    r.spread('home_visit', count, communities, (community) => about(community, { entered }));
  phones(1236 - specialContacts, a3, true);
  phones(r.count('phone_contacts') - 1236, [...a1, ...a2], true);
  phones(120, all, false); // one-way SMS greetings: not effective contacts
  visits(417, a3, true);
  visits(r.count('home_visits') - 417, [...a1, ...a2], true);
  visits(40, all, false); // nobody at home
  // Entered twice by mistake and voided: the totals above stay the report's.
  for (const duplicate of phones(3, a1, true)) r.void(duplicate, '重复录入 (entered twice)');

  r.spread('consult_case_closed', r.count('consult_cases_closed'), all, (community) => about(community, {}));
  // 专业个案: 三片区 opened 21 with 126 sessions.
  r.cases(21, 126, 17, a3, 'A3');
  r.cases(r.count('cases_opened') - 21, r.count('case_sessions') - 126, r.count('cases_closed') - 17, [...a1, ...a2], 'A12');

  // 小组: 30 groups of 6 sessions; 三片区 ran 3 health groups.
  const health = r.groups(3, [6, 6, 6], 150, a3, ['健康主题']);
  r.groups(r.count('groups') - 3, Array(r.count('groups') - 3).fill(6), r.count('group_attendance') - 150, [...a1, ...a2]);
  // One session's attendance was typed wrong and replaced.
  const right = health[0]!;
  const wrong = { ...right, id: r.nextId('group_session'), attendance: right.attendance + 5 };
  r.services[r.services.indexOf(right)] = wrong;
  r.replace(wrong, right, '签到表人次录错 (attendance mistyped)');

  // 社区活动: 一片区 held 20 with 13 partners and 663 人次; 三片区 7 health activities.
  r.activities('large', r.count('large_activities'), r.count('large_activity_attendance'), all);
  r.activities('small', 20, 663, a1);
  r.activities('small', 7, 280, a3, ['健康讲座', '健康角义诊', '慢病管理']);
  r.activities('small', r.count('small_activities') - 27, r.count('small_activity_attendance') - 663 - 280, [...a2, ...a3]);

  // 志愿者: 二片区 developed 28 volunteers and 2 初老 teams.
  r.volunteers(28, 9, a2);
  r.volunteers(r.count('volunteers_registered') - 28, r.count('volunteer_core') - 9, [...a1, ...a3]);
  ['初老志愿服务队（走马岗）', '初老志愿服务队（梓元岗）'].forEach((team, i) =>
    r.add('volunteer_team_formed', ['zoumagang', 'ziyuangang'][i]!, r.date(), { team }),
  );

  // 资源链接: 一片区 43,770 元 from 13 partners and 26,758.01 元 of donated goods for the garden,
  // 二片区 101,750 元 for 微心愿, 三片区 61,148.5 元; the rest of the station's 40.53 万元 elsewhere.
  r.resources('43770.00', 13, a1);
  r.resources('26758.01', 1, ['jichang1'], 'goods');
  r.resources('101750.00', 6, a2, 'money');
  r.resources('61148.50', 12, a3);
  const elsewhere = yuanToFen(expectedActual(SANYUANLI_EXPECTED, 'resources_linked_yuan')) - yuanToFen('233426.51');
  r.resources(fenToYuan(elsewhere), 16, all);
  return r;
}

/** 元岗街 2023: "近 11 个月" of service, January to November. */
function yuangang(): StationRecords {
  const r = new StationRecords({
    expected: YUANGANG_EXPECTED,
    from: '2023-01-09',
    to: '2023-11-30',
    workersOf: workersByArea('YG', { A1: 15 }),
  });
  const all = communitiesOf('YG');
  const flag = (effective: boolean) => () => ({ effective });
  r.spread('phone_contact', r.count('phone_contacts'), all, flag(true));
  r.spread('phone_contact', 60, all, flag(false));
  r.spread('home_visit', r.count('home_visits'), all, () => ({ entered: true }));
  r.spread('home_visit', 25, all, () => ({ entered: false }));
  r.cases(r.count('cases_opened'), 0, 0, all, 'A1'); // the report gives no sessions or closings
  const groups = r.count('groups');
  r.groups(groups, r.rng.split(r.count('group_sessions'), groups, 3), r.count('group_attendance'), all);
  r.activities('large', r.count('large_activities'), r.count('large_activity_attendance'), all);
  r.activities('small', r.count('small_activities'), r.count('small_activity_attendance'), all);
  r.spread('regular_service', r.count('regular_services'), all, () => ({ attendance: r.rng.int(5, 30) }));
  const reached = r.rng.split(r.count('outreach_reached'), r.count('outreach'), 5);
  r.spread('outreach', r.count('outreach'), all, (_c, i) => ({ reached: reached[i]! }));
  r.volunteers(r.count('volunteers_registered'), 0, all);
  r.spread('volunteer_team_formed', r.count('volunteer_teams_formed'), all, (_c, i) => ({ team: `元岗志愿服务队 ${i + 1}` }));
  r.spread('volunteer_training', 6, all, () => ({ type: 'general' }));
  r.spread('volunteer_training', 36, all, () => ({ type: 'activity' }));
  r.resources(expectedActual(YUANGANG_EXPECTED, 'resources_linked_yuan') as string, 60, all);
  return r;
}

/** Services happen in date order; on one day, what a record depends on comes first. */
const RANK: Partial<Record<ServiceKind, number>> = {
  household_archived: 0,
  case_opened: 1,
  group_formed: 1,
  volunteer_registered: 1,
  household_reassessed: 2,
  case_closed: 3,
};

/**
 * Every demo record in the order it is loaded: districts, stations, contracts, the services of both
 * stations in date order, then the corrections. The same array on every call.
 */
export function demoRecords(): AnyRecord[] {
  const stations = [yuangang(), sanyuanli()];
  const services = stations
    .flatMap((s) => s.services)
    .map((record, index) => ({ record, index }))
    .sort(
      (a, b) =>
        a.record.occurredOn.localeCompare(b.record.occurredOn) ||
        (RANK[a.record.kind] ?? 2) - (RANK[b.record.kind] ?? 2) ||
        a.index - b.index,
    )
    .map(({ record }) => record);
  return [...DEMO_DISTRICTS, ...DEMO_STATIONS_SETUP, ...DEMO_CONTRACTS, ...services, ...stations.flatMap((s) => s.corrections)];
}

/** The demo as NDJSON lines (the import format), e.g. to write a file or to feed the import pipeline. */
export function* demoNdjson(): Generator<string> {
  for (const record of demoRecords()) yield `${JSON.stringify(record)}\n`;
}
