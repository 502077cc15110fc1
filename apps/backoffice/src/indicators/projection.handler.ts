import type pg from 'pg';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { CopyChunk, copyText } from '@app/database';
import type { CheckpointedHandler, StoredEvent } from '@app/event-store';
import {
  addDrawing,
  areaIn,
  drawingOn,
  BEGINNING,
  DistinctState,
  distinctKeysOf,
  effectOf,
  PROJECTED_EVENT_TYPES,
  projectEvent,
  type Drawing,
  type IndicatorChange,
  type IndicatorDefinition,
  type RecordEffect,
} from '@app/indicators';
import type { LocalDate } from '@app/kernel';
import type { RecordingEvent, ServiceRecordBody } from '@app/recording';
import { GRAIN } from './schema.js';

export const MAIN_PROJECTION = 'indicators';
/** Advisory lock held from a batch's first change id to its commit. */
const CHANGES_LOCK = 7_460_201;
export const buildProjectionName = (definitionId: number) => `indicators:build:${definitionId}`;

const SETUP_TYPES = ['DistrictRegistered', 'StationRegistered', 'StationAreasRedrawn', 'ContractSigned', 'ContractTargetsAmended'];
const SETUP_TYPE_SET = new Set(SETUP_TYPES);

export interface StoredDefinition {
  id: number;
  version: number;
  state: 'building' | 'active' | 'retired';
  sortOrder: number;
  definition: IndicatorDefinition;
}

export async function loadDefinitions(db: Pick<pg.Pool, 'query'>, where: { active: true } | { id: number }): Promise<StoredDefinition[]> {
  const { rows } = await db.query<{ id: number; version: number; state: StoredDefinition['state']; sort_order: number; definition: IndicatorDefinition }>(
    `SELECT id, version, state, sort_order, definition FROM ind_definitions
      WHERE ${'active' in where ? "state = 'active'" : 'id = $1'} ORDER BY sort_order, code`,
    'active' in where ? [] : [where.id],
  );
  return rows.map((r) => ({ id: r.id, version: r.version, state: r.state, sortOrder: r.sort_order, definition: r.definition }));
}

interface StationPlace {
  district: string;
  drawings: Drawing[];
}

/** Stations as projected: all of them, or those matching a filter (one code, or one district). */
export async function loadStations(
  db: Pick<pg.Pool, 'query'>,
  only?: { code: string } | { district: string },
): Promise<Map<string, StationPlace & { name: string }>> {
  const where = !only ? '' : 'code' in only ? 'WHERE code = $1' : 'WHERE district = $1';
  const { rows } = await db.query<{ code: string; name: string; district: string; drawings: Drawing[] }>(
    `SELECT code, name, district, ${only && 'district' in only ? "'[]'::jsonb AS drawings" : 'drawings'} FROM ind_stations ${where}`,
    only ? ['code' in only ? only.code : only.district] : [],
  );
  return new Map(rows.map((r) => [r.code, { name: r.name, district: r.district, drawings: r.drawings }]));
}

/**
 * Projects events into the indicator tables. The main projection (all active definitions) also keeps
 * places, contracts and the records the quality findings read; a build projection (one new
 * definition version, catching up beside the active one) writes only that version's totals.
 * A batch's changes are summed in memory and written once per key; change rows go in with COPY.
 */
export class IndicatorProjectionHandler implements CheckpointedHandler {
  readonly types: readonly string[];

  constructor(
    readonly name: string,
    private readonly select: { active: true } | { id: number },
  ) {
    this.types = this.isMain ? [...PROJECTED_EVENT_TYPES, ...SETUP_TYPES] : PROJECTED_EVENT_TYPES;
  }

  private get isMain(): boolean {
    return 'active' in this.select;
  }

  async handle(events: readonly StoredEvent[], tx: pg.PoolClient): Promise<void> {
    // The look-ups go out first: the events' effects are worked out while the server answers them.
    const loaded = Promise.all([loadDefinitions(tx, this.select), loadStations(tx)]);
    let effects: (RecordEffect | undefined)[];
    try {
      effects = events.map(effectOf);
    } catch (error) {
      await loaded.catch(() => undefined);
      throw error;
    }
    const [stored, stations] = await loaded;
    const definitions = stored.map((s) => s.definition);
    const byCode = new Map(stored.map((s) => [s.definition.code, { id: s.id, columns: `${s.id}\t${copyText(s.definition.code)}\t` }]));
    const distinct = await loadDistinct(tx, stored, events, effects);
    const totals = new Map<string, bigint>();
    const places = new ChangePlaces(stations);
    // Change ids become visible in id order (what the relay relies on): writers of ind_changes (the
    // main projection, definition builds, a rebuild) take their ids one transaction at a time.
    const changes = new StreamingCopy(
      tx,
      'ind_changes (position, event_id, recorded_at, definition_id, indicator, district, station, community, area, occurred_on, delta, record_id, actor, reason)',
      () => tx.query('SELECT pg_advisory_xact_lock($1)', [CHANGES_LOCK]),
    );
    const records = new Map<string, TrackedRecord>();
    const setup = new SetupWrites();

    try {
      for (const [i, event] of events.entries()) {
        if (SETUP_TYPE_SET.has(event.type)) {
          if (this.isMain) setup.apply(event as unknown as StoredEvent<RecordingEvent>, stations);
          places.forget();
          continue;
        }
        const effect = effects[i];
        // The columns an event's changes share (event, cause, mostly the place) are made once per event;
        // every change of an event has the event's cause (the effect's record and reason).
        let eventColumns: string | undefined;
        let causeColumns = '';
        let place: IndicatorChange | undefined;
        let placeColumns = '';
        let stationDay = '';
        for (const change of projectEvent(event, definitions, distinct, effect)) {
          if (eventColumns === undefined) {
            eventColumns = `${event.position}\t${event.eventId}\t${event.recordedAt.toISOString()}\t`;
            causeColumns = `\t${copyText(change.recordId)}\t${copyText(event.metadata.actor)}\t${copyText(change.reason ?? null)}\n`;
          }
          if (!place || change.station !== place.station || change.community !== place.community || change.occurredOn !== place.occurredOn) {
            place = change;
            placeColumns = `${places.of(change, event)}\t${change.occurredOn}\t`;
            stationDay = `\t${change.station}\t${change.occurredOn}`;
          }
          const definition = byCode.get(change.code)!;
          const key = definition.id + stationDay;
          totals.set(key, (totals.get(key) ?? 0n) + change.delta);
          changes.add(`${eventColumns}${definition.columns}${placeColumns}${change.delta}${causeColumns}`);
        }
        if (this.isMain && effect) trackRecord(event, effect, records);
        if (changes.full) await changes.flush();
      }
    } catch (error) {
      changes.abort(error as Error);
      throw error;
    }
    // Queued behind the change rows; the records' text is made while the server finishes those.
    const written = Promise.all([changes.end(), writeTotals(tx, totals)]);
    const writeRecords = this.isMain ? recordWrites(tx, records) : undefined;
    await written;
    await writeDistinct(tx, distinct, byCode);
    if (this.isMain) {
      await setup.write(tx, stations);
      await writeRecords!();
    }
  }
}

/**
 * The distinct-value occurrences a batch needs (see DistinctState): for each key it mentions, the
 * earliest `1 + mentions` stored occurrences, whatever the number stored.
 */
async function loadDistinct(
  tx: pg.PoolClient,
  stored: readonly StoredDefinition[],
  events: readonly StoredEvent[],
  effects: readonly (RecordEffect | undefined)[],
): Promise<DistinctState> {
  const state = new DistinctState();
  const mentions = new Map<string, { definitionId: number; n: number }>();
  for (const s of stored) {
    if (s.definition.measure.type !== 'distinct') continue;
    for (const [i, event] of events.entries()) {
      for (const key of distinctKeysOf(event, [s.definition], effects[i])) {
        const m = mentions.get(key);
        if (m) m.n++;
        else mentions.set(key, { definitionId: s.id, n: 1 });
      }
    }
  }
  if (mentions.size === 0) return state;
  const { rows } = await tx.query<{ key: string; record_id: string; community: string; occurred_on: string }>(
    `SELECT k.key, d.record_id, d.community, to_char(d.occurred_on, 'YYYY-MM-DD') AS occurred_on
       FROM unnest($1::int[], $2::text[], $3::int[]) AS k(definition_id, key, n)
       CROSS JOIN LATERAL (
         SELECT record_id, community, occurred_on FROM ind_distinct d
          WHERE d.definition_id = k.definition_id AND d.key = k.key
          ORDER BY occurred_on, community, record_id LIMIT k.n + 1) d`,
    [[...mentions.values()].map((m) => m.definitionId), [...mentions.keys()], [...mentions.values()].map((m) => m.n)],
  );
  for (const row of rows) state.get(row.key).set(row.record_id, { community: row.community, occurredOn: row.occurred_on as LocalDate });
  return state;
}

async function writeDistinct(tx: pg.PoolClient, state: DistinctState, byCode: ReadonlyMap<string, { id: number }>): Promise<void> {
  const changes = state.takeChanges();
  if (changes.length === 0) return;
  const definitionOf = (key: string) => byCode.get((JSON.parse(key) as string[])[0]!)!.id;
  const gone = changes.filter((c) => !c.occurrence);
  const kept = changes.filter((c) => c.occurrence);
  if (gone.length > 0) {
    await tx.query(
      `DELETE FROM ind_distinct d USING unnest($1::int[], $2::text[], $3::text[]) AS u(definition_id, key, record_id)
        WHERE d.definition_id = u.definition_id AND d.key = u.key AND d.record_id = u.record_id`,
      [gone.map((c) => definitionOf(c.key)), gone.map((c) => c.key), gone.map((c) => c.recordId)],
    );
  }
  if (kept.length > 0) {
    await tx.query(
      `INSERT INTO ind_distinct (definition_id, key, record_id, community, occurred_on)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::date[])
       ON CONFLICT (definition_id, key, record_id) DO UPDATE SET community = excluded.community, occurred_on = excluded.occurred_on`,
      [kept.map((c) => definitionOf(c.key)), kept.map((c) => c.key), kept.map((c) => c.recordId), kept.map((c) => c.occurrence!.community), kept.map((c) => c.occurrence!.occurredOn)],
    );
  }
}

/** Station × day sums (keyed definition, station, day) written at both grains, month sums added up here. */
async function writeTotals(tx: pg.PoolClient, days: Map<string, bigint>): Promise<void> {
  if (days.size === 0) return;
  const months = new Map<string, bigint>();
  for (const [key, value] of days) {
    const month = `${key.slice(0, -2)}01`;
    months.set(month, (months.get(month) ?? 0n) + value);
  }
  const columns: unknown[][] = [[], [], [], [], []];
  for (const [grain, sums] of [[GRAIN.stationDay, days], [GRAIN.stationMonth, months]] as const) {
    // Sorted: concurrent writers (the main projection, a build) take row locks in one order.
    for (const key of [...sums.keys()].sort()) {
      const [definitionId, station, period] = key.split('\t');
      [definitionId, grain, station, period, sums.get(key)!.toString()].forEach((v, i) => columns[i]!.push(v));
    }
  }
  await tx.query(
    `INSERT INTO ind_totals (definition_id, grain, station, period, value)
     SELECT * FROM unnest($1::int[], $2::smallint[], $3::text[], $4::date[], $5::bigint[])
     ON CONFLICT (grain, station, period, definition_id) DO UPDATE SET value = ind_totals.value + excluded.value`,
    columns,
  );
}

const copyRow = (row: readonly (string | number | null)[]) => row.map(copyText).join('\t') + '\n';

/** The district, station, community and area columns of a change row, as COPY text, once per place and drawing. */
class ChangePlaces {
  /**
   * station → community → drawing in force: nested maps look the strings up as they are (one key
   * made of them was a string to build and hash per event), and a place's text changes only with the
   * drawing, not with the day (cached per day, a batch spread over many places missed nearly always).
   */
  private readonly texts = new Map<string, Map<string, Map<Drawing | undefined, string>>>();

  constructor(private readonly stations: Map<string, StationPlace>) {}

  of(change: IndicatorChange, event: StoredEvent): string {
    const place = this.stations.get(change.station);
    // A station not (yet) projected takes its district from the event: not kept.
    if (!place) return [event.metadata.district ?? '', change.station, change.community, null].map(copyText).join('\t');
    let communities = this.texts.get(change.station);
    if (!communities) this.texts.set(change.station, (communities = new Map()));
    let byDrawing = communities.get(change.community);
    if (!byDrawing) communities.set(change.community, (byDrawing = new Map()));
    const drawing = drawingOn(place.drawings, change.occurredOn);
    let text = byDrawing.get(drawing);
    if (text === undefined) {
      const area = areaIn(drawing, change.community) ?? null;
      text = [place.district, change.station, change.community, area].map(copyText).join('\t');
      byDrawing.set(drawing, text);
    }
    return text;
  }

  /** After a setup event: a station's drawings may have changed. */
  forget(): void {
    this.texts.clear();
  }
}

const COPY_CHUNK = 65536;

/**
 * Rows into a table with COPY (format text), sent while they are still being produced: each chunk
 * of about 64 KiB goes to the server as it fills, so the server inserts it while the batch is still
 * being projected. `start` runs before the COPY begins (only if there is a row).
 */
class StreamingCopy {
  private readonly chunk = new CopyChunk(COPY_CHUNK);
  private stream?: Writable;
  private done?: Promise<void>;

  constructor(
    private readonly tx: pg.PoolClient,
    private readonly target: string,
    private readonly start?: () => Promise<unknown>,
  ) {}

  add(line: string): void {
    this.chunk.add(line);
  }

  get full(): boolean {
    return this.chunk.full;
  }

  /** Sends what has gathered, waiting while the server is behind. */
  async flush(): Promise<void> {
    if (this.chunk.empty) return;
    if (!this.stream) {
      await this.start?.();
      this.stream = this.tx.query(copyStreams.from(`COPY ${this.target} FROM STDIN`));
      this.done = finished(this.stream);
      this.done.catch(() => undefined);
    }
    if (!this.stream.write(this.chunk.take())) await Promise.race([once(this.stream, 'drain'), this.done]);
  }

  async end(): Promise<void> {
    await this.flush();
    if (!this.stream) return;
    this.stream.end();
    await this.done;
  }

  /** Cancels the COPY (CopyFail), so the connection can roll back. */
  abort(error: Error): void {
    if (this.stream && !this.stream.writableFinished) this.stream.destroy(error);
  }
}

interface TrackedRecord {
  station: string;
  position: number;
  body: ServiceRecordBody | null;
  /** First recorded in this batch: written with COPY rather than upserted. */
  fresh: boolean;
}

/** Records about a household, as corrected: the quality findings' input. */
function trackRecord(event: StoredEvent, effect: RecordEffect, records: Map<string, TrackedRecord>): void {
  if (event.type === 'RecordCorrected') {
    const body = effect.after ?? effect.before;
    if (!body || !('household' in body)) return;
    const known = records.get(effect.base);
    records.set(effect.base, { station: body.station, position: known?.position ?? event.position, body: effect.after, fresh: known?.fresh ?? false });
    return;
  }
  const body = effect.after;
  if (body && 'household' in body && body.household) {
    records.set(effect.base, { station: body.station, position: event.position, body, fresh: true });
  }
}

/** A batch's writes of records, prepared (JSON, COPY text) before they are sent. */
function recordWrites(tx: pg.PoolClient, records: Map<string, TrackedRecord>): () => Promise<void> {
  const fresh = new StreamingCopy(tx, 'ind_records (record_id, station, position, body)');
  const kept: [string, TrackedRecord][] = [];
  const voided: string[] = [];
  for (const [id, r] of records) {
    if (r.fresh && r.body !== null) fresh.add(copyRow([id, r.station, r.position, JSON.stringify(r.body)]));
    else if (!r.fresh && r.body !== null) kept.push([id, r]);
    else if (!r.fresh) voided.push(id);
  }
  return async () => {
    await fresh.end();
    if (kept.length > 0) {
      // A correction keeps the record's place in recording order: only the content changes. A record
      // a batch before had voided is not there any more: restored (its void voided), it comes back at
      // the restoring event's place.
      await tx.query(
        `INSERT INTO ind_records (record_id, station, position, body)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::json[])
         ON CONFLICT (record_id) DO UPDATE SET station = excluded.station, body = excluded.body`,
        [kept.map(([id]) => id), kept.map(([, r]) => r.station), kept.map(([, r]) => r.position), kept.map(([, r]) => JSON.stringify(r.body))],
      );
    }
    if (voided.length > 0) await tx.query('DELETE FROM ind_records WHERE record_id = ANY($1::text[])', [voided]);
  };
}

/** Places and contracts from setup events, applied in order to the batch's view and written after. */
class SetupWrites {
  private readonly districts = new Map<string, string>();
  private readonly touchedStations = new Set<string>();
  private readonly contracts: unknown[][] = [];
  private readonly targets: unknown[][] = [];

  apply(event: StoredEvent<RecordingEvent>, stations: Map<string, StationPlace & { name: string }>): void {
    switch (event.type) {
      case 'DistrictRegistered': {
        const d = event.data as Extract<RecordingEvent, { type: 'DistrictRegistered' }>['data'];
        this.districts.set(d.code, d.name);
        return;
      }
      case 'StationRegistered': {
        const d = event.data as Extract<RecordingEvent, { type: 'StationRegistered' }>['data'];
        stations.set(d.code, { name: d.name, district: d.district, drawings: [{ effectiveFrom: BEGINNING, areas: d.areas }] });
        this.touchedStations.add(d.code);
        return;
      }
      case 'StationAreasRedrawn': {
        const d = event.data as Extract<RecordingEvent, { type: 'StationAreasRedrawn' }>['data'];
        const station = stations.get(d.station);
        if (!station) return;
        station.drawings = addDrawing(station.drawings, { effectiveFrom: d.effectiveFrom, areas: d.areas });
        this.touchedStations.add(d.station);
        return;
      }
      case 'ContractSigned': {
        const d = event.data as Extract<RecordingEvent, { type: 'ContractSigned' }>['data'];
        this.contracts.push([d.code, d.station, d.periodStart, d.periodEnd]);
        this.addTargets(d.code, d.targets, event, null);
        return;
      }
      case 'ContractTargetsAmended': {
        const d = event.data as Extract<RecordingEvent, { type: 'ContractTargetsAmended' }>['data'];
        this.addTargets(d.contract, d.targets, event, d.reason);
        return;
      }
    }
  }

  private addTargets(contract: string, targets: Record<string, number | string>, event: StoredEvent, reason: string | null): void {
    for (const [code, target] of Object.entries(targets)) {
      this.targets.push([contract, code, String(target), event.position, event.recordedAt.toISOString(), reason]);
    }
  }

  async write(tx: pg.PoolClient, stations: Map<string, StationPlace & { name: string }>): Promise<void> {
    for (const [code, name] of this.districts) {
      await tx.query('INSERT INTO ind_districts (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = excluded.name', [code, name]);
    }
    for (const code of this.touchedStations) {
      const s = stations.get(code)!;
      await tx.query(
        `INSERT INTO ind_stations (code, name, district, drawings) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, district = excluded.district, drawings = excluded.drawings`,
        [code, s.name, s.district, JSON.stringify(s.drawings)],
      );
    }
    for (const c of this.contracts) {
      await tx.query(
        `INSERT INTO ind_contracts (code, station, period_start, period_end) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET station = excluded.station, period_start = excluded.period_start, period_end = excluded.period_end`,
        c,
      );
    }
    for (const t of this.targets) {
      await tx.query('INSERT INTO ind_targets (contract, code, target, position, recorded_at, reason) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', t);
    }
  }
}
