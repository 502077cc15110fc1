import { fenToYuan, yuanToFen } from '@app/kernel';
import type { AnyRecord, ServiceRecordBody } from '@app/recording';
import { DEMO_STATIONS, SANYUANLI_ARCHIVES, type ExpectedStation } from './expected.js';
import { demoNdjson, demoRecords } from './generate.js';
import { DEMO_STATIONS_SETUP } from './places.js';

/** The standard indicators of RECORDS.md, as the test's own oracle: a kind, a filter, a measure. */
const COUNTS: Record<string, [kind: string, filter?: (r: Record<string, unknown>) => boolean, measure?: string]> = {
  phone_contacts: ['phone_contact', (r) => r.effective === true],
  home_visits: ['home_visit', (r) => r.entered === true],
  consult_cases_closed: ['consult_case_closed'],
  cases_opened: ['case_opened'],
  case_sessions: ['case_session'],
  cases_closed: ['case_closed'],
  groups: ['group_formed'],
  group_sessions: ['group_session'],
  group_attendance: ['group_session', undefined, 'attendance'],
  large_activities: ['activity', (r) => r.size === 'large'],
  large_activity_attendance: ['activity', (r) => r.size === 'large', 'attendance'],
  small_activities: ['activity', (r) => r.size === 'small'],
  small_activity_attendance: ['activity', (r) => r.size === 'small', 'attendance'],
  regular_services: ['regular_service'],
  outreach: ['outreach'],
  outreach_reached: ['outreach', undefined, 'reached'],
  volunteers_registered: ['volunteer_registered'],
  volunteer_core: ['volunteer_core'],
  volunteer_teams_formed: ['volunteer_team_formed'],
  volunteer_trainings: ['volunteer_training'],
  households_archived: ['household_archived'],
  persons_archived: ['household_archived', undefined, 'persons'],
};

/** The records that count after corrections: a voided one is gone, a replaced one is its replacement. */
function effective(records: AnyRecord[]): Map<string, ServiceRecordBody> {
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

function actual(records: Iterable<ServiceRecordBody>, station: string, code: string): number | string {
  const mine = [...records].filter((r) => r.station === station);
  if (code === 'resources_linked_yuan') {
    const fen = mine.filter((r) => r.kind === 'resource_linked').reduce((sum, r) => sum + yuanToFen(r.amountYuan), 0n);
    return fenToYuan(fen);
  }
  const [kind, filter = () => true, measure] = COUNTS[code]!;
  const matching = mine.filter((r) => r.kind === kind && filter(r as unknown as Record<string, unknown>));
  return measure ? matching.reduce((sum, r) => sum + ((r as unknown as Record<string, number>)[measure] ?? 0), 0) : matching.length;
}

describe('demo data', () => {
  const records = demoRecords();
  const counted = effective(records);

  it.each(DEMO_STATIONS.map((s) => [s.station, s] as [string, ExpectedStation]))(
    'gives %s every indicator total of its report, after corrections',
    (_code, station) => {
      for (const indicator of station.indicators) {
        expect({ code: indicator.code, actual: actual(counted.values(), station.station, indicator.code) }).toEqual({
          code: indicator.code,
          actual: indicator.actual,
        });
      }
    },
  );

  it('archives the households and persons of each Sanyuanli community of seed 003', () => {
    for (const { community, households, persons } of SANYUANLI_ARCHIVES) {
      const archived = [...counted.values()].filter((r) => r.kind === 'household_archived' && r.community === community);
      expect({ community, households: archived.length, persons: actual(archived, 'SYL', 'persons_archived') }).toEqual({
        community,
        households,
        persons,
      });
    }
  });

  it('keeps every service inside its contract period and in a community of its station', () => {
    const communities = new Map(DEMO_STATIONS_SETUP.map((s) => [s.code, new Set(s.areas.flatMap((a) => a.communities.map((c) => c.code)))]));
    const outside = [...counted.values()].filter((record) => {
      const station = DEMO_STATIONS.find((s) => s.station === record.station)!;
      return record.occurredOn < station.from || record.occurredOn > station.to || !communities.get(record.station)!.has(record.community);
    });
    expect(outside).toEqual([]);
    expect(counted.size).toBeGreaterThan(10_000);
  });

  it('opens cases only after consent and records sessions and closings after the opening', () => {
    const opened = new Map<string, string>();
    for (const record of records) {
      if (record.kind === 'case_opened') {
        expect(record.consentOn <= record.occurredOn).toBe(true);
        opened.set(record.case, record.occurredOn);
      } else if (record.kind === 'case_session' || record.kind === 'case_closed') {
        expect(opened.get(record.case)! < record.occurredOn).toBe(true);
      }
    }
  });

  it('uses each record id once and corrects only records that exist', () => {
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const record of records) if (record.kind === 'correction') expect(ids).toContain(record.corrects);
    expect(records.filter((r) => r.kind === 'correction').length).toBeGreaterThan(0);
  });

  it('is the same on every call (stable ids and content make a second load all duplicates)', () => {
    expect([...demoNdjson()].join('')).toBe([...demoNdjson()].join(''));
  });
});
