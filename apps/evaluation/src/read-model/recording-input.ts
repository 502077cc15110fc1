import type pg from 'pg';
import type { FeedEvent, FeedHandler } from '@app/messaging';
import { DistinctState, PROJECTED_EVENT_TYPES, STANDARD_INDICATORS, effectOf, projectEvent, targetInUnit, type IndicatorChange, type IndicatorDefinition } from '@app/indicators';
import type {
  ContractSigned,
  ContractTargetsAmended,
  DistrictRegistered,
  StationAreasRedrawn,
  StationRegistered,
} from '@app/recording';

/**
 * The evaluation's own indicator figures: the standard catalog kept per community × day with the
 * position of the event that changed them, so a cycle can read them as of its cut-off date and as of a
 * log position. Distinct measures need the projection's occurrence state, which is not kept here, with
 * one exception: 建档户数 counts households archived, and a household is archived once per station
 * (一户一档: its file refuses a second archive, re-assessment is another record, and a replacement keeps
 * the record's station and household), so a station's distinct archived households are its archive
 * records, counted as such, corrections included. The survey roll (households) is kept beside them.
 */
export const EVALUATION_INDICATORS: IndicatorDefinition[] = STANDARD_INDICATORS.flatMap((d) =>
  d.measure.type !== 'distinct' ? [d] : isArchiveOncePerStation(d) ? [{ ...d, measure: { type: 'count' } }] : [],
);

function isArchiveOncePerStation(d: IndicatorDefinition): boolean {
  return d.kind === 'household_archived' && d.measure.type === 'distinct' && d.measure.field === 'household' && Object.keys(d.filter).length === 0;
}
const EVALUATED = new Map(EVALUATION_INDICATORS.map((d) => [d.code, d]));

const SETUP_TYPES = ['DistrictRegistered', 'StationRegistered', 'StationAreasRedrawn', 'ContractSigned', 'ContractTargetsAmended'];

/**
 * The targets the evaluation reads, in the indicator's unit of account (money in fen, like the
 * changes); a target of another indicator, or one that does not fit its unit, is not kept.
 */
function targetsInUnit(targets: Record<string, number | string>): [string, string][] {
  return Object.entries(targets).flatMap(([code, target]) => {
    const definition = EVALUATED.get(code);
    const value = definition && targetInUnit(definition, String(target));
    return value === undefined ? [] : [[code, value.toString()] as [string, string]];
  });
}

/**
 * The recording events as the analytics feed delivers them (Kafka, or the PostgreSQL log on the
 * embedded default): household ids arrive pseudonymised, so the survey roll holds pseudonyms, which
 * is all an evaluator needs (保密尊重原则). Each event is applied once (de-duplicated by the feed).
 */
export const recordingFeed: FeedHandler = {
  groupId: 'evaluation',
  schema: 'evaluation',
  types: [...new Set([...SETUP_TYPES, ...PROJECTED_EVENT_TYPES])],
  handle: (event, tx) => applyEvents([event], tx),
  handleBatch: applyEvents,
};

/**
 * Applies events in log order: a setup event is a statement of its own (they are rare); the service
 * events of the whole batch are one statement, their households and figures, which also moves the
 * feed position (the position the figures cover: every recording event up to it has been applied).
 * Under load that is one statement per batch instead of one per event.
 */
async function applyEvents(events: readonly FeedEvent[], tx: pg.PoolClient): Promise<void> {
  const households: { station: string; household: string; community: string; archivedOn: string; position: number; present: boolean }[] = [];
  const changes: (IndicatorChange & { position: number })[] = [];
  for (const event of events) {
    if (await applySetup(event, tx)) continue;
    const effect = effectOf(event);
    // An archive, or a correction of one: the household's place in the roll from this position on.
    const archive = effect?.after ?? effect?.before;
    if (archive?.kind === 'household_archived') {
      households.push({ station: archive.station, household: archive.household, community: archive.community, archivedOn: archive.occurredOn, position: event.position, present: effect!.after !== null });
    }
    // No distinct measure is projected (see EVALUATION_INDICATORS): the distinct state stays empty.
    for (const change of projectEvent(event, EVALUATION_INDICATORS, new DistinctState(), effect)) changes.push({ ...change, position: event.position });
  }
  await tx.query(
    `WITH moved AS (UPDATE evaluation.feed_position SET position = GREATEST(position, $1)),
     archived AS (
       INSERT INTO evaluation.households (station, household, community, archived_on, position, present)
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::date[], $6::bigint[], $13::boolean[]) ON CONFLICT DO NOTHING)
     INSERT INTO evaluation.indicator_changes (position, station, community, code, occurred_on, delta)
     SELECT * FROM unnest($7::bigint[], $8::text[], $9::text[], $10::text[], $11::date[], $12::numeric[])`,
    [
      events.at(-1)!.position,
      households.map((h) => h.station),
      households.map((h) => h.household),
      households.map((h) => h.community),
      households.map((h) => h.archivedOn),
      households.map((h) => h.position),
      changes.map((c) => c.position),
      changes.map((c) => c.station),
      changes.map((c) => c.community),
      changes.map((c) => c.code),
      changes.map((c) => c.occurredOn),
      changes.map((c) => c.delta.toString()),
      households.map((h) => h.present),
    ],
  );
}

/** Applies a setup event (places, contracts, targets); false for any other event. */
async function applySetup(event: FeedEvent, tx: pg.PoolClient): Promise<boolean> {
  const data = event.data as never;
  switch (event.type) {
    case 'DistrictRegistered': {
      const { code, name } = data as DistrictRegistered['data'];
      await tx.query('INSERT INTO evaluation.districts (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = excluded.name', [code, name]);
      return true;
    }
    case 'StationRegistered': {
      const s = data as StationRegistered['data'];
      await tx.query(
        `INSERT INTO evaluation.stations (code, name, district, street, operator, areas, position) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, district = excluded.district, street = excluded.street,
           operator = excluded.operator, areas = excluded.areas, position = excluded.position`,
        [s.code, s.name, s.district, s.street, s.operator, JSON.stringify(s.areas), event.position],
      );
      return true;
    }
    case 'StationAreasRedrawn': {
      const { station, areas } = data as StationAreasRedrawn['data'];
      await tx.query('UPDATE evaluation.stations SET areas = $2, position = $3 WHERE code = $1', [station, JSON.stringify(areas), event.position]);
      return true;
    }
    case 'ContractSigned': {
      const c = data as ContractSigned['data'];
      await tx.query(
        `INSERT INTO evaluation.contracts (code, station, period_start, period_end, budget_yuan, position) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (code) DO NOTHING`,
        [c.code, c.station, c.periodStart, c.periodEnd, c.budgetYuan, event.position],
      );
      await insertTargets(tx, c.code, c.targets, event.position);
      return true;
    }
    case 'ContractTargetsAmended': {
      const a = data as ContractTargetsAmended['data'];
      await insertTargets(tx, a.contract, a.targets, event.position);
      return true;
    }
  }
  return false;
}

async function insertTargets(tx: pg.PoolClient, contract: string, targets: Record<string, number | string>, position: number): Promise<void> {
  const entries = targetsInUnit(targets);
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO evaluation.contract_targets (contract, code, position, target)
     SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::numeric[]) ON CONFLICT DO NOTHING`,
    [contract, entries.map(([code]) => code), entries.map(() => position), entries.map(([, value]) => value)],
  );
}
