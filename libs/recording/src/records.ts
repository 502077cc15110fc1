/**
 * The record kinds of the import format (../shared/domain/RECORDS.md), as types. A record is what a
 * sender states; events are what the platform recorded. Field names here are the published ones.
 */
import type { LocalDate } from '@app/kernel';

export const SETUP_KINDS = ['district', 'station', 'contract', 'contract_amended'] as const;
export const SERVICE_KINDS = [
  'phone_contact', // 电访
  'home_visit', // 探访 / 入户探访
  'consult_case_closed', // 咨询个案结案
  'case_opened', // 专业个案接案 (needs 知情同意 first)
  'case_session', // 专业个案服务节
  'case_closed', // 专业个案结案
  'group_formed', // 小组
  'group_session', // 小组节
  'activity', // 社区活动 (大型 / 中小型)
  'regular_service', // 恒常服务
  'outreach', // 外展
  'volunteer_registered', // 新登记志愿者
  'volunteer_core', // 志愿者骨干
  'volunteer_team_formed', // 新增志愿者队伍
  'volunteer_training', // 志愿者培训
  'resource_linked', // 资源链接
  'household_archived', // 建档 (一户一档)
  'household_reassessed', // 分级评估 (risk level re-assessed)
] as const;

export type SetupKind = (typeof SETUP_KINDS)[number];
export type ServiceKind = (typeof SERVICE_KINDS)[number];
export type RecordKind = SetupKind | ServiceKind | 'correction';

export interface AreaSpec {
  code: string;
  name: string;
  communities: { code: string; name: string }[];
}

/** Fields every service record carries. */
export interface ServiceBase {
  station: string;
  community: string;
  occurredOn: LocalDate;
  worker: string;
}

export interface Contact {
  name?: string;
  idNumber?: string;
  phone?: string;
}

/** Kind-specific fields of each service record (beside ServiceBase). */
export interface ServiceFields {
  phone_contact: { household?: string; effective: boolean };
  home_visit: { household?: string; entered: boolean };
  consult_case_closed: { household?: string };
  case_opened: { case: string; household: string; consentOn: LocalDate };
  case_session: { case: string };
  case_closed: { case: string };
  group_formed: { group: string; title: string };
  group_session: { group: string; attendance: number };
  activity: { size: 'large' | 'small'; title: string; attendance: number; partners?: number };
  regular_service: { attendance?: number };
  outreach: { reached: number };
  volunteer_registered: { volunteer: string };
  volunteer_core: { volunteer: string };
  volunteer_team_formed: { team: string };
  volunteer_training: { type: 'general' | 'activity' };
  resource_linked: { amountYuan: string; resourceType: 'money' | 'goods' | 'venue'; source: string };
  household_archived: { household: string; persons: number; category: string; riskLevel: number; contact?: Contact };
  household_reassessed: { household: string; riskLevel: number };
}

/** A service record without its id: what a correction's `replacement` holds. */
export type ServiceRecordBody<K extends ServiceKind = ServiceKind> = K extends ServiceKind
  ? { kind: K } & ServiceBase & ServiceFields[K]
  : never;

export type ServiceRecord<K extends ServiceKind = ServiceKind> = K extends ServiceKind
  ? { id: string } & ServiceRecordBody<K>
  : never;

export interface SetupRecords {
  district: { id: string; kind: 'district'; code: string; name: string };
  station: {
    id: string;
    kind: 'station';
    code: string;
    name: string;
    district: string;
    street: string;
    operator: string;
    areas: AreaSpec[];
    /** For a registered station: re-draw its areas from this date (a new contract year). */
    effectiveFrom?: LocalDate;
  };
  contract: {
    id: string;
    kind: 'contract';
    code: string; // 采购项目编号
    station: string;
    periodStart: LocalDate;
    periodEnd: LocalDate;
    budgetYuan: string;
    /** 协议指标量: counts as numbers, money as decimal strings. */
    targets: Record<string, number | string>;
  };
  contract_amended: {
    id: string;
    kind: 'contract_amended';
    contract: string;
    targets: Record<string, number | string>;
    reason: string;
  };
}

export type SetupRecord = SetupRecords[SetupKind];

export interface CorrectionRecord {
  id: string;
  kind: 'correction';
  corrects: string;
  action: 'void' | 'replace';
  replacement?: ServiceRecordBody;
  reason: string;
}

export type AnyRecord = SetupRecord | ServiceRecord | CorrectionRecord;

export const isSetupKind = (kind: unknown): kind is SetupKind =>
  typeof kind === 'string' && (SETUP_KINDS as readonly string[]).includes(kind);

export const isServiceKind = (kind: unknown): kind is ServiceKind =>
  typeof kind === 'string' && (SERVICE_KINDS as readonly string[]).includes(kind);
