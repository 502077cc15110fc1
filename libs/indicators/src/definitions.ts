/**
 * The indicator catalog as data (指标目录). A definition names a record kind, a filter on the record's
 * published fields (RECORDS.md names) and a measure. Nothing here knows a particular code: the
 * standard codes are only the defaults a fresh catalog starts with.
 */
import { invalid, yuanToFen } from '@app/kernel';
import { isServiceKind, SERVICE_KINDS, type ServiceKind, type ServiceRecordBody } from '@app/recording';

export type FilterValue = string | number | boolean;

export type Measure =
  | { type: 'count' }
  /** Sum of a numeric field; `money`: the field holds yuan as a decimal string, summed exactly in fen. */
  | { type: 'sum'; field: string; money?: boolean }
  /**
   * Distinct values of a field per station. A value counts once, in the place and on the day of its
   * earliest counted record, so totals stay additive over communities and days.
   */
  | { type: 'distinct'; field: string };

export interface IndicatorDefinition {
  code: string;
  name: string;
  unit: string;
  kind: ServiceKind;
  /** Every field must equal the value (an array: any of its values). */
  filter: Record<string, FilterValue | FilterValue[]>;
  measure: Measure;
}

const count = { type: 'count' } as const;
const def = (
  code: string,
  name: string,
  unit: string,
  kind: ServiceKind,
  measure: Measure = count,
  filter: IndicatorDefinition['filter'] = {},
): IndicatorDefinition => ({ code, name, unit, kind, filter, measure });

/** The standard codes of RECORDS.md, in its order: the catalog's defaults. */
export const STANDARD_INDICATORS: readonly IndicatorDefinition[] = [
  def('phone_contacts', '电话访问', '个', 'phone_contact', count, { effective: true }),
  def('home_visits', '入户探访', '个', 'home_visit', count, { entered: true }),
  def('consult_cases_closed', '咨询个案结案', '个', 'consult_case_closed'),
  def('cases_opened', '专业个案接案', '个', 'case_opened'),
  def('case_sessions', '专业个案服务节数', '节', 'case_session'),
  def('cases_closed', '专业个案结案', '个', 'case_closed'),
  def('groups', '小组', '个', 'group_formed'),
  def('group_sessions', '小组节数', '节', 'group_session'),
  def('group_attendance', '小组服务人次', '人次', 'group_session', { type: 'sum', field: 'attendance' }),
  def('large_activities', '大型社区活动', '次', 'activity', count, { size: 'large' }),
  def('large_activity_attendance', '大型社区活动人次', '人次', 'activity', { type: 'sum', field: 'attendance' }, { size: 'large' }),
  def('small_activities', '中小型社区活动', '次', 'activity', count, { size: 'small' }),
  def('small_activity_attendance', '中小型社区活动人次', '人次', 'activity', { type: 'sum', field: 'attendance' }, { size: 'small' }),
  def('regular_services', '恒常服务', '次', 'regular_service'),
  def('outreach', '外展', '次', 'outreach'),
  def('outreach_reached', '外展人次', '人次', 'outreach', { type: 'sum', field: 'reached' }),
  def('volunteers_registered', '新登记志愿者', '名', 'volunteer_registered'),
  def('volunteer_core', '志愿者骨干', '名', 'volunteer_core'),
  def('volunteer_teams_formed', '新增志愿者队伍', '支', 'volunteer_team_formed'),
  def('volunteer_trainings', '志愿者培训', '场', 'volunteer_training'),
  def('resources_linked_yuan', '资源链接', '元', 'resource_linked', { type: 'sum', field: 'amountYuan', money: true }),
  def('households_archived', '建档户数', '户', 'household_archived', { type: 'distinct', field: 'household' }),
  def('persons_archived', '建档人数', '人', 'household_archived', { type: 'sum', field: 'persons' }),
];

export const isMoney = (definition: Pick<IndicatorDefinition, 'measure'>): boolean =>
  definition.measure.type === 'sum' && definition.measure.money === true;

/**
 * A stored target (协议指标量, as text) in the definition's unit of account: fen for money, the whole
 * number for counts ("3000" or "3000.00"). Undefined for a target that does not fit the unit (a
 * count of "3000.5", a money target of "1e+21"): it is passed over, the target before it stays in
 * force (none: no rate), rather than failing the query. Targets are checked when recorded; this
 * guards those stored before.
 */
export function targetInUnit(definition: Pick<IndicatorDefinition, 'measure'>, target: string): bigint | undefined {
  let fen: bigint;
  try {
    fen = yuanToFen(target);
  } catch {
    return undefined;
  }
  if (isMoney(definition)) return fen;
  return fen % 100n === 0n ? fen / 100n : undefined;
}

/** Whether a record is counted by the definition at all. */
export function matches(definition: IndicatorDefinition, record: ServiceRecordBody): boolean {
  if (record.kind !== definition.kind) return false;
  const fields = record as unknown as Record<string, unknown>;
  return Object.entries(definition.filter).every(([field, wanted]) =>
    Array.isArray(wanted) ? wanted.includes(fields[field] as FilterValue) : fields[field] === wanted,
  );
}

/** What one record adds to a count or sum (0 when it does not match; fen for money). */
export function amountOf(definition: IndicatorDefinition, record: ServiceRecordBody | null): bigint {
  if (!record || !matches(definition, record)) return 0n;
  const { measure } = definition;
  if (measure.type !== 'sum') return 1n;
  const value = (record as unknown as Record<string, unknown>)[measure.field];
  if (value === undefined || value === null) return 0n;
  if (measure.money) return yuanToFen(value, measure.field);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalid('indicator_field_not_integer', `${definition.code}: ${measure.field} must be a whole number, got ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

/** The value a distinct definition counts in a record, if the record matches and has one. */
export function distinctValueOf(definition: IndicatorDefinition, record: ServiceRecordBody | null): string | undefined {
  if (definition.measure.type !== 'distinct' || !record || !matches(definition, record)) return undefined;
  const value = (record as unknown as Record<string, unknown>)[definition.measure.field];
  return value === undefined || value === null ? undefined : String(value);
}

/** The published fields of each service kind beside station, community, occurredOn and worker (RECORDS.md). */
const KIND_FIELDS: Record<ServiceKind, { numbers?: string[]; money?: string[]; others?: string[] }> = {
  phone_contact: { others: ['household', 'effective'] },
  home_visit: { others: ['household', 'entered'] },
  consult_case_closed: { others: ['household'] },
  case_opened: { others: ['case', 'household', 'consentOn'] },
  case_session: { others: ['case'] },
  case_closed: { others: ['case'] },
  group_formed: { others: ['group', 'title'] },
  group_session: { numbers: ['attendance'], others: ['group'] },
  activity: { numbers: ['attendance', 'partners'], others: ['size', 'title'] },
  regular_service: { numbers: ['attendance'] },
  outreach: { numbers: ['reached'] },
  volunteer_registered: { others: ['volunteer'] },
  volunteer_core: { others: ['volunteer'] },
  volunteer_team_formed: { others: ['team'] },
  volunteer_training: { others: ['type'] },
  resource_linked: { money: ['amountYuan'], others: ['resourceType', 'source'] },
  household_archived: { numbers: ['persons', 'riskLevel'], others: ['household', 'category'] },
  household_reassessed: { numbers: ['riskLevel'], others: ['household'] },
};
const BASE_FIELDS = ['station', 'community', 'occurredOn', 'worker'];

const CODE = /^[a-z][a-z0-9_]{1,62}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9]{0,62}$/;

/** Checks a definition an administrator sends: a bad one never reaches the projection. */
export function validateDefinition(input: unknown): IndicatorDefinition {
  const d = (input ?? {}) as Partial<IndicatorDefinition>;
  const fail = (message: string) => invalid('bad_indicator_definition', message);
  if (typeof d.code !== 'string' || !CODE.test(d.code)) throw fail('code must be lower_snake_case (2-63 characters)');
  if (typeof d.name !== 'string' || !d.name.trim()) throw fail('name is required');
  if (typeof d.unit !== 'string' || !d.unit.trim()) throw fail('unit is required');
  if (!isServiceKind(d.kind)) throw fail(`kind must be one of ${SERVICE_KINDS.join(', ')}`);
  if (typeof d.filter !== 'object' || d.filter === null || Array.isArray(d.filter)) throw fail('filter must be an object of field: value');
  for (const [field, value] of Object.entries(d.filter)) {
    const values = Array.isArray(value) ? value : [value];
    if (!FIELD.test(field) || values.length === 0 || !values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      throw fail(`filter ${field} must be a string, number or boolean (or a non-empty list of them)`);
    }
  }
  const m = d.measure as Measure | undefined;
  if (!m || !['count', 'sum', 'distinct'].includes(m.type)) throw fail('measure.type must be count, sum or distinct');
  if (m.type !== 'count' && (typeof m.field !== 'string' || !FIELD.test(m.field))) throw fail(`measure ${m.type} needs a field`);
  if (m.type === 'sum' && m.money !== undefined && typeof m.money !== 'boolean') throw fail('measure.money must be a boolean');
  const { numbers = [], money = [], others = [] } = KIND_FIELDS[d.kind];
  const known = [...BASE_FIELDS, ...numbers, ...money, ...others];
  for (const field of Object.keys(d.filter)) if (!known.includes(field)) throw fail(`filter: ${d.kind} has no field ${field}`);
  if (m.type === 'distinct' && !known.includes(m.field)) throw fail(`measure: ${d.kind} has no field ${m.field}`);
  if (m.type === 'sum' && !(m.money ? money : numbers).includes(m.field)) {
    throw fail(`measure: ${m.field} of ${d.kind} is not a ${m.money ? 'money' : 'whole-number'} field that can be summed`);
  }
  const measure: Measure =
    m.type === 'count' ? { type: 'count' } : m.type === 'sum' ? { type: 'sum', field: m.field, ...(m.money ? { money: true } : {}) } : { type: 'distinct', field: m.field };
  return { code: d.code, name: d.name.trim(), unit: d.unit.trim(), kind: d.kind, filter: d.filter, measure };
}
