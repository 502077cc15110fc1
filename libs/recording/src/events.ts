/**
 * The recording context's events: past-tense facts with stable `type` names (never class names).
 * Version 1 of each. A new shape gets a new schema version and an upcaster, never an edit here.
 */
import type { DomainEvent } from '@app/event-store';
import type { LocalDate } from '@app/kernel';
import type { AreaSpec, ServiceBase, ServiceFields, ServiceKind, ServiceRecordBody } from './records.js';
// places.js imports this module's types only: no cycle at run time.
import { SETUP_EVENT_TYPES } from './places.js';

/** Every service event carries the id of the record that caused it and the shared facts. */
type ServiceData<K extends ServiceKind> = { recordId: string } & ServiceBase & ServiceFields[K];

export type DistrictRegistered = DomainEvent<'DistrictRegistered', { recordId: string; code: string; name: string }>;
export type StationRegistered = DomainEvent<
  'StationRegistered',
  { recordId: string; code: string; name: string; district: string; street: string; operator: string; areas: AreaSpec[] }
>;
/** Areas and communities re-drawn for a new contract year; earlier records keep their places. */
export type StationAreasRedrawn = DomainEvent<
  'StationAreasRedrawn',
  { recordId: string; station: string; effectiveFrom: LocalDate; areas: AreaSpec[] }
>;
export type ContractSigned = DomainEvent<
  'ContractSigned',
  {
    recordId: string;
    code: string; // 采购项目编号
    station: string;
    periodStart: LocalDate;
    periodEnd: LocalDate;
    budgetYuan: string; // exact decimal
    targets: Record<string, number | string>; // 协议指标量
  }
>;
export type ContractTargetsAmended = DomainEvent<
  'ContractTargetsAmended',
  { recordId: string; contract: string; station: string; targets: Record<string, number | string>; reason: string }
>;

export type PhoneContactRecorded = DomainEvent<'PhoneContactRecorded', ServiceData<'phone_contact'>>;
export type HomeVisitRecorded = DomainEvent<'HomeVisitRecorded', ServiceData<'home_visit'>>;
export type ConsultationCaseClosed = DomainEvent<'ConsultationCaseClosed', ServiceData<'consult_case_closed'>>;
export type CaseOpened = DomainEvent<'CaseOpened', ServiceData<'case_opened'>>;
export type CaseSessionRecorded = DomainEvent<'CaseSessionRecorded', ServiceData<'case_session'>>;
export type CaseClosed = DomainEvent<'CaseClosed', ServiceData<'case_closed'>>;
export type GroupFormed = DomainEvent<'GroupFormed', ServiceData<'group_formed'>>;
export type GroupSessionRecorded = DomainEvent<'GroupSessionRecorded', ServiceData<'group_session'>>;
export type CommunityActivityHeld = DomainEvent<'CommunityActivityHeld', ServiceData<'activity'>>;
export type RegularServiceRecorded = DomainEvent<'RegularServiceRecorded', ServiceData<'regular_service'>>;
export type OutreachRecorded = DomainEvent<'OutreachRecorded', ServiceData<'outreach'>>;
export type VolunteerRegistered = DomainEvent<'VolunteerRegistered', ServiceData<'volunteer_registered'>>;
export type VolunteerMadeCore = DomainEvent<'VolunteerMadeCore', ServiceData<'volunteer_core'>>;
export type VolunteerTeamFormed = DomainEvent<'VolunteerTeamFormed', ServiceData<'volunteer_team_formed'>>;
export type VolunteerTrainingHeld = DomainEvent<'VolunteerTrainingHeld', ServiceData<'volunteer_training'>>;
export type ResourceLinked = DomainEvent<'ResourceLinked', ServiceData<'resource_linked'>>;
export type HouseholdArchived = DomainEvent<'HouseholdArchived', ServiceData<'household_archived'>>;
export type HouseholdReassessed = DomainEvent<'HouseholdReassessed', ServiceData<'household_reassessed'>>;

/**
 * A correction (void or replace) of an earlier service record, appended to that record's stream.
 * It carries the record's effective content before and after (null: not counted), so a projection
 * applies `after - before` without reading anything else; `base` is the id of the service record
 * whose effective content changes, `corrects` the id the correction named (a record or an earlier
 * correction: correcting a correction works too). The actor is in the event metadata.
 */
export type RecordCorrected = DomainEvent<
  'RecordCorrected',
  {
    recordId: string; // the correction's own id
    corrects: string;
    base: string;
    action: 'void' | 'replace';
    reason: string;
    before: ServiceRecordBody | null;
    after: ServiceRecordBody | null;
  }
>;

export type ServiceEvent =
  | PhoneContactRecorded
  | HomeVisitRecorded
  | ConsultationCaseClosed
  | CaseOpened
  | CaseSessionRecorded
  | CaseClosed
  | GroupFormed
  | GroupSessionRecorded
  | CommunityActivityHeld
  | RegularServiceRecorded
  | OutreachRecorded
  | VolunteerRegistered
  | VolunteerMadeCore
  | VolunteerTeamFormed
  | VolunteerTrainingHeld
  | ResourceLinked
  | HouseholdArchived
  | HouseholdReassessed;

export type SetupEvent = DistrictRegistered | StationRegistered | StationAreasRedrawn | ContractSigned | ContractTargetsAmended;

export type RecordingEvent = SetupEvent | ServiceEvent | RecordCorrected;

/** Which event records which service kind: one table, both directions. */
export const SERVICE_EVENT_TYPE = {
  phone_contact: 'PhoneContactRecorded',
  home_visit: 'HomeVisitRecorded',
  consult_case_closed: 'ConsultationCaseClosed',
  case_opened: 'CaseOpened',
  case_session: 'CaseSessionRecorded',
  case_closed: 'CaseClosed',
  group_formed: 'GroupFormed',
  group_session: 'GroupSessionRecorded',
  activity: 'CommunityActivityHeld',
  regular_service: 'RegularServiceRecorded',
  outreach: 'OutreachRecorded',
  volunteer_registered: 'VolunteerRegistered',
  volunteer_core: 'VolunteerMadeCore',
  volunteer_team_formed: 'VolunteerTeamFormed',
  volunteer_training: 'VolunteerTrainingHeld',
  resource_linked: 'ResourceLinked',
  household_archived: 'HouseholdArchived',
  household_reassessed: 'HouseholdReassessed',
} as const satisfies Record<ServiceKind, ServiceEvent['type']>;

export const SERVICE_KIND_OF_EVENT: Readonly<Record<string, ServiceKind>> = Object.fromEntries(
  Object.entries(SERVICE_EVENT_TYPE).map(([kind, type]) => [type, kind as ServiceKind]),
);

/**
 * The service record an event states, in import-format terms (kind + published field names), or
 * undefined for events that record no service. Indicator definitions are written against this view.
 */
export function serviceRecordOf(event: { type: string; data: unknown }): ServiceRecordBody | undefined {
  const kind = SERVICE_KIND_OF_EVENT[event.type];
  if (!kind) return undefined;
  const { recordId: _recordId, ...fields } = event.data as { recordId: string } & Record<string, unknown>;
  return { kind, ...fields } as ServiceRecordBody;
}

/**
 * Every event type of the recording context: what the analytics feed publishes. Other contexts'
 * events (evaluation cycles, with experts' confidential reasons) share the log but not the feed.
 */
export const RECORDING_EVENT_TYPES: readonly RecordingEvent['type'][] = [
  ...SETUP_EVENT_TYPES,
  ...Object.values(SERVICE_EVENT_TYPE),
  'RecordCorrected',
];

/** Fields that identify people served or volunteers: pseudonymised in every outside feed. */
export const PERSON_ID_FIELDS = ['household', 'volunteer'] as const;
/** Personal data: never leaves the platform unencrypted, never in a feed. */
export const PERSONAL_DATA_FIELDS = ['contact'] as const;
