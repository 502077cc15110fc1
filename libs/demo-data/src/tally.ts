/**
 * The demo's own reading of RECORDS.md's standard indicators (kind, filter, measure), used to check
 * that generated and stored records give the reports' figures. Deliberately independent of the
 * indicators lib's projection, so that each one checks the other in the golden tests.
 */
import { fenToYuan, yuanToFen } from '@app/kernel';
import type { AnyRecord, ServiceRecordBody } from '@app/recording';
import type { Figure } from './expected.js';

type Fields = Record<string, unknown>;

const DEFINITIONS: Record<string, { kind: string; filter?: (r: Fields) => boolean; measure?: string }> = {
  phone_contacts: { kind: 'phone_contact', filter: (r) => r.effective === true },
  home_visits: { kind: 'home_visit', filter: (r) => r.entered === true },
  consult_cases_closed: { kind: 'consult_case_closed' },
  cases_opened: { kind: 'case_opened' },
  case_sessions: { kind: 'case_session' },
  cases_closed: { kind: 'case_closed' },
  groups: { kind: 'group_formed' },
  group_sessions: { kind: 'group_session' },
  group_attendance: { kind: 'group_session', measure: 'attendance' },
  large_activities: { kind: 'activity', filter: (r) => r.size === 'large' },
  large_activity_attendance: { kind: 'activity', filter: (r) => r.size === 'large', measure: 'attendance' },
  small_activities: { kind: 'activity', filter: (r) => r.size === 'small' },
  small_activity_attendance: { kind: 'activity', filter: (r) => r.size === 'small', measure: 'attendance' },
  regular_services: { kind: 'regular_service' },
  outreach: { kind: 'outreach' },
  outreach_reached: { kind: 'outreach', measure: 'reached' },
  volunteers_registered: { kind: 'volunteer_registered' },
  volunteer_core: { kind: 'volunteer_core' },
  volunteer_teams_formed: { kind: 'volunteer_team_formed' },
  volunteer_trainings: { kind: 'volunteer_training' },
  resources_linked_yuan: { kind: 'resource_linked', measure: 'amountYuan' },
  households_archived: { kind: 'household_archived' },
  persons_archived: { kind: 'household_archived', measure: 'persons' },
};

/** The total of a standard indicator over service records (already corrected) of one station. */
export function tally(records: Iterable<ServiceRecordBody>, station: string, code: string): Figure {
  const definition = DEFINITIONS[code];
  if (!definition) throw new Error(`no definition of ${code}`);
  const { kind, filter = () => true, measure } = definition;
  let count = 0;
  let sum = 0n;
  for (const record of records) {
    const fields = record as unknown as Fields;
    if (record.station !== station || record.kind !== kind || !filter(fields)) continue;
    count += 1;
    if (measure === 'amountYuan') sum += yuanToFen(fields.amountYuan);
    else if (measure) sum += BigInt((fields[measure] as number | undefined) ?? 0);
  }
  if (measure === 'amountYuan') return fenToYuan(sum);
  return measure ? Number(sum) : count;
}

/** The service records that count after corrections: a voided one is gone, a replaced one is its replacement. */
export function correctedRecords(records: Iterable<AnyRecord>): Map<string, ServiceRecordBody> {
  const current = new Map<string, ServiceRecordBody>();
  for (const record of records) {
    if (record.kind === 'correction') {
      if (record.action === 'void') current.delete(record.corrects);
      else current.set(record.corrects, record.replacement!);
    } else if ('occurredOn' in record) {
      const { id, ...body } = record;
      current.set(id, body as ServiceRecordBody);
    }
  }
  return current;
}
