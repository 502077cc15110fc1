/**
 * Who uses the platform (BRIEF.md, "Who uses it"). The names are part of the CLI and of every
 * token, so they are stable strings.
 */
export const ROLES = [
  'city_admin', // 市级: every district
  'district_bureau', // 区民政局 (监督方): its district
  'street_office', // 街道办事处 (购买方): its station
  'station_manager', // 站长: its station
  'social_worker', // 社工: its station, optionally some areas (片区)
  'evaluator', // 评估方 (第三方): the cycles it is assigned to
  'supervision_centre', // 督导中心: its stations
  'analyst', // analytics: aggregates only, never personal data
] as const;

export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * What a role may do, whatever the place. Where is decided by the scope (scope.ts); both must allow.
 */
export const PERMISSIONS = [
  'setup:write', // districts, stations, contracts and their amendments
  'records:write', // service records and corrections
  'records:read', // single records and household files (personal data masked)
  'personal:read', // personal data of people served, unmasked (each read is recorded)
  'personal:erase', // erasure request: the household's key is destroyed
  'imports:write', // bulk import; every line is still checked on its own
  'indicators:read', // totals and completion rates (达成率): aggregates only
  'audit:read', // who read which personal file, when
  'users:manage',
  'indicators:define', // the indicator catalog
  'system:operate', // rebuilds and other operations on the platform itself
  'evaluation:manage', // open cycles, assign evaluators, issue reports
  'evaluation:score', // score a cycle as street office, supervision centre or district bureau
  'evaluation:expert_score', // the third party's field evaluation: expert scores, findings, satisfaction, reports
  'evaluation:self_assess', // 自评
  'evaluation:object', // 异议 against a draft report
  'evaluation:read', // cycles, scores, reports and their audit trail
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  city_admin: PERMISSIONS,
  district_bureau: ['setup:write', 'records:read', 'imports:write', 'indicators:read', 'audit:read', 'evaluation:manage', 'evaluation:score', 'evaluation:object', 'evaluation:read'],
  street_office: ['setup:write', 'records:read', 'imports:write', 'indicators:read', 'evaluation:score', 'evaluation:object', 'evaluation:read'],
  station_manager: ['records:write', 'records:read', 'personal:read', 'imports:write', 'indicators:read', 'evaluation:self_assess', 'evaluation:object', 'evaluation:read'],
  social_worker: ['records:write', 'records:read', 'personal:read', 'imports:write', 'indicators:read'],
  evaluator: ['evaluation:expert_score', 'evaluation:read'],
  supervision_centre: ['records:read', 'indicators:read', 'evaluation:score', 'evaluation:object', 'evaluation:read'],
  analyst: ['indicators:read'],
};

export const hasPermission = (role: Role, permission: Permission): boolean => ROLE_PERMISSIONS[role].includes(permission);
