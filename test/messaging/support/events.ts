import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AppendRequest, PgEventStore } from '@app/event-store';

export const STATIONS = [
  { station: 'S-YG', district: '440106' },
  { station: 'S-SYL', district: '440111' },
  { station: 'S-TH2', district: '440106' },
  { station: 'S-BY2', district: '440111' },
];

const hex = () => randomBytes(6).toString('hex');
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/**
 * A recording event about a person, with ids and personal data unique to it (so a leak is found by
 * a byte search): households with contact details, volunteers, cases, corrections with before/after.
 */
export function personEvent(i: number): { request: AppendRequest; identifiers: string[] } {
  const { station, district } = STATIONS[i % STATIONS.length]!;
  const household = `HH-${hex()}`;
  const worker = `W-${hex()}`;
  const contact = { name: `陈${hex()}`, idNumber: `4401${digits(14)}`, phone: `139${digits(8)}` };
  const base = { station, community: 'C-1', occurredOn: '2026-03-02', worker };
  const recordId = `R-${hex()}`;
  const kinds = [
    { type: 'HouseholdArchived', data: { ...base, household, persons: 2, category: 'elderly_alone', riskLevel: 4, contact } },
    { type: 'PhoneContactRecorded', data: { ...base, household, effective: true } },
    { type: 'VolunteerRegistered', data: { ...base, volunteer: `V-${hex()}` } },
    { type: 'CaseOpened', data: { ...base, case: `CASE-${hex()}`, household, consentOn: '2026-03-01' } },
    {
      type: 'RecordCorrected',
      data: {
        corrects: `R-${hex()}`,
        base: `R-${hex()}`,
        action: 'replace',
        reason: 'risk level re-checked',
        before: { kind: 'household_archived', ...base, household, persons: 2, category: 'elderly_alone', riskLevel: 4, contact },
        after: { kind: 'household_archived', ...base, household, persons: 2, category: 'elderly_alone', riskLevel: 5, contact },
      },
    },
  ];
  const { type, data } = kinds[i % kinds.length]!;
  const identifiers = [household, worker, contact.name, contact.idNumber, contact.phone];
  if ('volunteer' in data) identifiers.push(data.volunteer);
  if ('case' in data) identifiers.push(data.case);
  return {
    identifiers,
    request: {
      streamId: `household-${household}`,
      streamType: 'household',
      expectedVersion: 'no_stream',
      events: [{ eventId: randomUUID(), type, data: { recordId, ...data }, metadata: { actor: `worker:${worker}`, recordId, station, district } }],
    },
  };
}

/**
 * `writers` concurrent writers appending `each` events: even writers through the store's group
 * commit, odd ones inside their own transactions held open a little (late commits).
 */
export async function writeConcurrently(pool: pg.Pool, store: PgEventStore, writers: number, each: number): Promise<string[]> {
  const identifiers: string[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i++) {
        const event = personEvent(w * each + i);
        identifiers.push(...event.identifiers);
        if (w % 2 === 0) {
          await store.append(event.request);
          continue;
        }
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SELECT es_append($1::jsonb)', [JSON.stringify([event.request])]);
          await client.query(`SELECT pg_sleep(${Math.random() * 0.01})`);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    }),
  );
  return identifiers;
}

export async function committedEvents(pool: pg.Pool): Promise<{ eventId: string; position: number; station: string }[]> {
  const { rows } = await pool.query<{ event_id: string; position: number; station: string }>(
    "SELECT event_id, position, metadata->>'station' AS station FROM es_events ORDER BY position",
  );
  return rows.map((r) => ({ eventId: r.event_id, position: r.position, station: r.station }));
}
