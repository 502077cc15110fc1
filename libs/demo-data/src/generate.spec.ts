import { DEMO_STATIONS, SANYUANLI_ARCHIVES, type ExpectedStation } from './expected.js';
import { demoNdjson, demoRecords } from './generate.js';
import { DEMO_STATIONS_SETUP } from './places.js';
import { correctedRecords, tally } from './tally.js';

describe('demo data', () => {
  const records = demoRecords();
  const counted = correctedRecords(records);

  it.each(DEMO_STATIONS.map((s) => [s.station, s] as [string, ExpectedStation]))(
    'gives %s every indicator total of its report, after corrections',
    (_code, station) => {
      for (const indicator of station.indicators) {
        expect({ code: indicator.code, actual: tally(counted.values(), station.station, indicator.code) }).toEqual({
          code: indicator.code,
          actual: indicator.actual,
        });
      }
    },
  );

  it('archives the households and persons of each Sanyuanli community of seed 003', () => {
    for (const { community, households, persons } of SANYUANLI_ARCHIVES) {
      const archived = [...counted.values()].filter((r) => r.kind === 'household_archived' && r.community === community);
      expect({ community, households: archived.length, persons: tally(archived, 'SYL', 'persons_archived') }).toEqual({
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
