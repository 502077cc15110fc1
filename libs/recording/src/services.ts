/**
 * Service records and their corrections: stream choice, stream state, `evolve` and `decide`.
 *
 * Stream choice — facts that are checked together live in one stream, so one expected version
 * guards each rule:
 * - `case-{station}/{case}`: 专业个案 opened, sessions, closed (sessions and closing need the case open);
 * - `group-{station}/{group}`: 小组 formed and its sessions (a session needs a formed group);
 * - `household-{station}/{household}`: 一户一档 archived once, then re-assessed (分级评估);
 * - `volunteer-{station}/{volunteer}`: registered once, made core (骨干);
 * - `team-{station}/{team}`: a volunteer team formed once;
 * - `services-{station}-{YYYY-MM}`: every other kind (电访, 探访, 活动, 外展, 资源链接 …). They check
 *   nothing beyond their own content and places, so they are appended without a version check; a
 *   stream per record would only cost a stream row per record on the import path. The month keeps
 *   streams bounded.
 * Ids chosen by senders are scoped by station. A correction goes to the corrected record's stream
 * with an exact expected version; it is decided on the record's history (its event and the
 * corrections of it), which for the shared `services-` streams is all that is loaded.
 */
import { compareDates, invariant, isYuanString } from '@app/kernel';
import type { CorrectionRecord, ServiceKind, ServiceRecord, ServiceRecordBody } from './records.js';
import { SERVICE_EVENT_TYPE, SERVICE_KIND_OF_EVENT, serviceRecordOf, type RecordCorrected, type RecordingEvent } from './events.js';
import type { Decision, StreamRef } from './decision.js';
import { checkServicePlace, type Places } from './places.js';

const KEYED: Partial<Record<ServiceKind, { type: string; key: (r: ServiceRecordBody) => string }>> = {
  case_opened: { type: 'case', key: (r) => (r as ServiceRecordBody<'case_opened'>).case },
  case_session: { type: 'case', key: (r) => (r as ServiceRecordBody<'case_session'>).case },
  case_closed: { type: 'case', key: (r) => (r as ServiceRecordBody<'case_closed'>).case },
  group_formed: { type: 'group', key: (r) => (r as ServiceRecordBody<'group_formed'>).group },
  group_session: { type: 'group', key: (r) => (r as ServiceRecordBody<'group_session'>).group },
  household_archived: { type: 'household', key: (r) => (r as ServiceRecordBody<'household_archived'>).household },
  household_reassessed: { type: 'household', key: (r) => (r as ServiceRecordBody<'household_reassessed'>).household },
  volunteer_registered: { type: 'volunteer', key: (r) => (r as ServiceRecordBody<'volunteer_registered'>).volunteer },
  volunteer_core: { type: 'volunteer', key: (r) => (r as ServiceRecordBody<'volunteer_core'>).volunteer },
  volunteer_team_formed: { type: 'team', key: (r) => (r as ServiceRecordBody<'volunteer_team_formed'>).team },
};

/** The stream a service record belongs to. */
export function serviceStreamOf(body: ServiceRecordBody): StreamRef {
  const keyed = KEYED[body.kind];
  return keyed
    ? { id: `${keyed.type}-${body.station}/${keyed.key(body)}`, type: keyed.type }
    : { id: `services-${body.station}-${body.occurredOn.slice(0, 7)}`, type: SHARED_STREAM_TYPE };
}

export const SHARED_STREAM_TYPE = 'services';

/** A keyed stream as refusals name it: `case "C-1"`, `volunteer team "T1"`. */
function subjectOf(body: ServiceRecordBody): string {
  const keyed = KEYED[body.kind]!;
  return `${keyed.type === 'team' ? 'volunteer team' : keyed.type} "${keyed.key(body)}"`;
}

/** What a replacement may not change: the stream for keyed kinds, the station for the others (a date may move months). */
function identityOf(body: ServiceRecordBody): string {
  return KEYED[body.kind] ? serviceStreamOf(body).id : body.station;
}

interface RecordEntry {
  /** As first recorded: where it happened, whatever corrections did since. */
  original: ServiceRecordBody;
  /** What counts now; null when voided. */
  effective: ServiceRecordBody | null;
  /** The correction in force, if any: only that one may itself be corrected. */
  lastCorrection?: string;
}

interface CorrectionEntry {
  base: string;
  before: ServiceRecordBody | null;
}

export interface ServiceStreamState {
  version: number;
  records: ReadonlyMap<string, RecordEntry>;
  corrections: ReadonlyMap<string, CorrectionEntry>;
}

export const emptyServiceStream = (): ServiceStreamState => ({ version: 0, records: new Map(), corrections: new Map() });

export function evolveServiceStream(state: ServiceStreamState, event: { type: string; data: unknown }): ServiceStreamState {
  const version = state.version + 1;
  if (event.type === 'RecordCorrected') {
    const data = (event as RecordCorrected).data;
    const entry = state.records.get(data.base);
    if (!entry) return { ...state, version };
    return {
      version,
      records: new Map(state.records).set(data.base, { ...entry, effective: data.after, lastCorrection: data.recordId }),
      corrections: new Map(state.corrections).set(data.recordId, { base: data.base, before: data.before }),
    };
  }
  const body = serviceRecordOf(event);
  if (!body) return { ...state, version };
  const recordId = (event.data as { recordId: string }).recordId;
  return {
    ...state,
    version,
    records: new Map(state.records).set(recordId, { original: body, effective: body }),
  };
}

/** The records of a keyed stream that count now, but `except` (the record being corrected). */
function effectiveRecords(state: ServiceStreamState, except?: string): ServiceRecordBody[] {
  const bodies: ServiceRecordBody[] = [];
  for (const [id, entry] of state.records) if (id !== except && entry.effective) bodies.push(entry.effective);
  return bodies;
}

function checkCount(value: number | undefined, field: string, min = 0): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value)) throw invariant('count_not_whole', `${field} counts persons or items: a whole number, got ${value}`);
  if (value < min) throw invariant(min > 0 ? 'count_below_minimum' : 'negative_count', `${field} must be ≥ ${min}, got ${value}`);
}

/** Rules a record satisfies on its own (a replacement too): counts, money, dates, levels. */
function checkContent(body: ServiceRecordBody): void {
  switch (body.kind) {
    case 'case_opened':
      if (compareDates(body.consentOn, body.occurredOn) > 0) {
        throw invariant(
          'consent_after_opening',
          `a case is opened only after informed consent (知情同意): consentOn ${body.consentOn} is after the opening on ${body.occurredOn}`,
        );
      }
      return;
    case 'group_session':
      return checkCount(body.attendance, 'attendance');
    case 'activity':
      checkCount(body.attendance, 'attendance');
      return checkCount(body.partners, 'partners');
    case 'regular_service':
      return checkCount(body.attendance, 'attendance');
    case 'outreach':
      return checkCount(body.reached, 'reached');
    case 'resource_linked':
      if (!isYuanString(body.amountYuan)) {
        throw invariant('money_format', `amountYuan must be a non-negative decimal string with at most two decimals, got ${JSON.stringify(body.amountYuan)}`);
      }
      return;
    case 'household_archived':
      checkCount(body.persons, 'persons', 1);
      return checkRiskLevel(body.riskLevel);
    case 'household_reassessed':
      return checkRiskLevel(body.riskLevel);
    default:
      return;
  }
}

function checkRiskLevel(level: number): void {
  if (!Number.isInteger(level) || level < 1 || level > 5) throw invariant('risk_level_range', `riskLevel must be 1 to 5, got ${level}`);
}

const find = (records: readonly ServiceRecordBody[], kind: ServiceKind) => records.find((r) => r.kind === kind);
const isBefore = (a: ServiceRecordBody, b: ServiceRecordBody) => compareDates(a.occurredOn, b.occurredOn) < 0;

/**
 * The order of a keyed stream, said once per record that others need (the opening of a case, the
 * formation of a group, the archive of a household, the registration of a volunteer): the kinds
 * that need it, which must be dated on or after it, and how each breach is refused. checkInStream
 * reads it both ways (a dependent needs its anchor; an anchor may not come after its dependents),
 * checkRemoval when an anchor is voided.
 */
interface Anchor {
  dependents: readonly ServiceKind[];
  /** What the anchor did, after the stream's subject (subjectOf): `was opened`. */
  done: string;
  /** The refusal of a dependent dated before its anchor, or of an anchor dated after one of them. */
  before: string;
  /** The refusal of a dependent without its anchor. */
  missing: { code: string; why: string };
}

const ANCHORS: Partial<Record<ServiceKind, Anchor>> = {
  case_opened: {
    dependents: ['case_session', 'case_closed'],
    done: 'was opened',
    before: 'before_case_opening',
    missing: { code: 'case_not_open', why: 'has not been opened (接案): sessions and closing need an open case' },
  },
  group_formed: {
    dependents: ['group_session'],
    done: 'was formed',
    before: 'before_group_formed',
    missing: { code: 'group_not_formed', why: 'has not been formed: its sessions need a formed group (小组)' },
  },
  household_archived: {
    dependents: ['household_reassessed'],
    done: 'was archived',
    before: 'before_household_archived',
    missing: { code: 'household_not_archived', why: 'has no archive (建档) to re-assess' },
  },
  volunteer_registered: {
    dependents: ['volunteer_core'],
    done: 'was registered',
    before: 'before_volunteer_registered',
    missing: { code: 'volunteer_not_registered', why: 'is not registered: only a registered volunteer becomes core (骨干)' },
  },
};

/** For each dependent kind, the kind of the record it needs. */
const ANCHOR_OF = new Map<ServiceKind, ServiceKind>(
  Object.entries(ANCHORS).flatMap(([kind, anchor]) => anchor.dependents.map((dependent) => [dependent, kind as ServiceKind] as const)),
);

/** Records a stream holds once, and the refusal of a second (its message goes on from the stream's subject). */
const ONCE: Partial<Record<ServiceKind, { code: string; why: string }>> = {
  case_opened: { code: 'case_already_opened', why: 'is already opened' },
  group_formed: { code: 'group_already_formed', why: 'is already formed' },
  household_archived: { code: 'household_already_archived', why: 'is already archived (一户一档): a changed risk level is a household_reassessed record' },
  volunteer_registered: { code: 'volunteer_already_registered', why: 'is already registered: a volunteer is registered once' },
  volunteer_core: { code: 'volunteer_already_core', why: 'is already core (骨干): a volunteer counts once' },
  volunteer_team_formed: { code: 'team_already_formed', why: 'is already formed' },
};

/**
 * The rules of a keyed stream for one record among the others that count: a record new to the
 * stream, or one a correction replaces or restores (then `isNew` is false: a session moved or
 * restored in a closed case may stand if it is dated on or before the closing). Dates are checked
 * both ways, so a replacement cannot put an opening after its sessions either.
 */
function checkInStream(body: ServiceRecordBody, others: readonly ServiceRecordBody[], isNew: boolean): void {
  const anchorKind = ANCHOR_OF.get(body.kind);
  if (anchorKind) {
    const rule = ANCHORS[anchorKind]!;
    const anchor = find(others, anchorKind);
    if (!anchor) throw invariant(rule.missing.code, `${subjectOf(body)} ${rule.missing.why}`);
    if (isBefore(body, anchor)) throw invariant(rule.before, `${subjectOf(body)} ${rule.done} on ${anchor.occurredOn}; nothing of it happens on ${body.occurredOn}`);
  }
  const once = ONCE[body.kind];
  if (once && find(others, body.kind)) throw invariant(once.code, `${subjectOf(body)} ${once.why}`);
  const own = ANCHORS[body.kind];
  if (own) {
    const early = others.find((r) => own.dependents.includes(r.kind) && isBefore(r, body));
    if (early) throw invariant(own.before, `${subjectOf(body)} has a ${early.kind} on ${early.occurredOn}, before ${body.occurredOn}`);
  }
  if (body.kind === 'case_session' || body.kind === 'case_closed') checkCaseClosing(body, others, isNew);
}

/** Nothing of a case after its closing: no second closing, no new session, no closing before a session. */
function checkCaseClosing(body: ServiceRecordBody<'case_session' | 'case_closed'>, others: readonly ServiceRecordBody[], isNew: boolean): void {
  const closed = find(others, 'case_closed');
  if (closed && (isNew || body.kind === 'case_closed' || isBefore(closed, body))) {
    throw invariant('case_not_open', `${subjectOf(body)} was closed (结案) on ${closed.occurredOn}: sessions and closing need an open case`);
  }
  if (body.kind === 'case_closed') {
    const later = others.find((r) => r.kind === 'case_session' && isBefore(body, r));
    if (later) throw invariant('session_after_closing', `${subjectOf(body)} has a session on ${later.occurredOn}, after a closing on ${body.occurredOn}`);
  }
}

/** A record voided from a keyed stream may not leave records that need it (sessions without their case's opening …). */
function checkRemoval(removed: ServiceRecordBody, others: readonly ServiceRecordBody[]): void {
  const dependents = ANCHORS[removed.kind]?.dependents;
  if (!dependents || find(others, removed.kind)) return;
  const left = others.filter((r) => dependents.includes(r.kind));
  if (left.length > 0) {
    throw invariant(
      'record_has_dependents',
      `voiding this ${removed.kind} would leave ${left.length} record(s) (${[...new Set(left.map((r) => r.kind))].join(', ')}) that need it: void those first`,
    );
  }
}

/** Decides a service record against the places and the state of `serviceStreamOf(record)` (none needed for shared streams). */
export function decideService(record: ServiceRecord, places: Places, state: ServiceStreamState): Decision {
  // The rules read fields by name, which the id is not among: the record itself serves as its body.
  const body = record as unknown as ServiceRecordBody;
  const stream = serviceStreamOf(body);
  const station = checkServicePlace(places, body);
  checkContent(body);
  if (stream.type !== SHARED_STREAM_TYPE) checkInStream(body, effectiveRecords(state), true);
  return {
    stream,
    expectedVersion: stream.type === SHARED_STREAM_TYPE ? 'any' : state.version,
    district: station.district,
    station: station.code,
    event: { type: SERVICE_EVENT_TYPE[body.kind], data: eventDataOf(record) } as RecordingEvent,
  };
}

/**
 * An event's data: `recordId`, then the record's fields in their order but its id and kind. Made in
 * one copy (destructuring and spreading made three for every imported line).
 */
function eventDataOf(record: ServiceRecord): RecordingEvent['data'] {
  const fields = record as unknown as Record<string, unknown>;
  const data: Record<string, unknown> = { recordId: record.id };
  for (const key of Object.keys(fields)) if (key !== 'id' && key !== 'kind') data[key] = fields[key];
  return data as RecordingEvent['data'];
}

/**
 * Voids or replaces a record, or a correction (then `base` is the record that correction changed).
 * Voiding a correction restores what it replaced; only the correction in force may be corrected, so
 * the chain stays linear. A replacement keeps the record's kind and stream (same case, household …)
 * and satisfies the same content and place rules.
 */
export function decideCorrection(record: CorrectionRecord, places: Places, stream: StreamRef, state: ServiceStreamState): Decision {
  if (!record.reason?.trim()) throw invariant('reason_required', 'a correction needs a reason');
  const correction = state.corrections.get(record.corrects);
  const base = correction ? correction.base : record.corrects;
  const entry = state.records.get(base);
  if (!entry) throw invariant('unknown_record', `no service record or correction "${record.corrects}" to correct`);
  if (correction && entry.lastCorrection !== record.corrects) {
    throw invariant(
      'correction_superseded',
      `correction "${record.corrects}" is no longer in force (superseded by "${entry.lastCorrection}"): correct that one instead`,
    );
  }
  let after: ServiceRecordBody | null;
  if (record.action === 'void') {
    if (!correction && entry.effective === null) throw invariant('record_already_voided', `record "${base}" is already voided`);
    after = correction ? correction.before : null;
  } else {
    const replacement = record.replacement;
    if (!replacement) throw invariant('replacement_required', 'a replace correction needs a replacement record');
    if (!correction && entry.effective === null) {
      throw invariant('record_voided', `record "${base}" is voided: void that correction to restore it instead of replacing it`);
    }
    if (replacement.kind !== entry.original.kind) {
      throw invariant('replacement_kind_mismatch', `a ${entry.original.kind} record is replaced by a ${entry.original.kind}, not a ${replacement.kind}`);
    }
    if (identityOf(replacement) !== identityOf(entry.original)) {
      throw invariant('replacement_moves_record', `a replacement keeps the record's station and its case, group, household, volunteer or team`);
    }
    checkServicePlace(places, replacement);
    checkContent(replacement);
    after = replacement;
  }
  // What the correction leaves in force must keep the stream's rules, as a new record would.
  if (KEYED[entry.original.kind]) {
    const others = effectiveRecords(state, base);
    if (after) checkInStream(after, others, false);
    else if (entry.effective) checkRemoval(entry.effective, others);
  }
  const station = places.stations.get(entry.original.station);
  return {
    stream,
    expectedVersion: state.version,
    district: station?.district,
    station: entry.original.station,
    event: {
      type: 'RecordCorrected',
      data: { recordId: record.id, corrects: record.corrects, base, action: record.action, reason: record.reason, before: entry.effective, after },
    },
  };
}

/** Whether a stored event type belongs to service streams (a record or a correction). */
export const isServiceStreamEvent = (type: string): boolean => type === 'RecordCorrected' || type in SERVICE_KIND_OF_EVENT;
