import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { invalid, notFound, parseLocalDate, type LocalDate } from '@app/kernel';
import {
  areaSegments,
  completionRate,
  formatScope,
  hasArea,
  hasCommunity,
  isMoney,
  parseScope,
  presentAmount,
  splitMonths,
  targetInUnit,
  type Scope,
  type Segment,
} from '@app/indicators';
import { PG_POOL } from '@app/platform';
import { loadDefinitions, loadStations, type StoredDefinition } from './projection.handler.js';
import { GRAIN } from './schema.js';

export interface IndicatorRow {
  code: string;
  name: string;
  unit: string;
  actual: number | string;
  target: number | string | null;
  rate: number | null;
}

export interface IndicatorTable {
  scope: string;
  from: LocalDate;
  to: LocalDate;
  asOf: string | null;
  indicators: IndicatorRow[];
}

/** A table with the exact integers kept beside the presented figures (for CSV rounding). */
export interface ExactIndicatorTable extends IndicatorTable {
  exact: { actual: bigint; target: bigint | null }[];
}

export interface HistoryEntry {
  id: number;
  position: number;
  recordedAt: string;
  occurredOn: LocalDate;
  station: string;
  community: string;
  delta: number | string;
  recordId: string;
  actor: string;
  reason: string | null;
}

export interface QueryPeriod {
  scope: string;
  from: string;
  to: string;
  asOf?: string;
}

/** Where a scope's totals live: a set of stations (station-level grains) or community pieces. */
type Resolved =
  | { kind: 'stations'; scope: Scope; stations: string[] | null }
  | { kind: 'communities'; scope: Scope; station: string; segments: Segment[] };

/** Changes per history page unless the caller asks for another size (at most 10,000). */
const HISTORY_PAGE = 1000;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

@Injectable()
export class IndicatorQueryService {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Totals, targets in force and completion rates (达成率) of every active indicator. */
  async table(query: QueryPeriod): Promise<ExactIndicatorTable> {
    const { from, to, asOf } = this.period(query);
    const resolved = await this.resolve(parseScope(query.scope), from, to);
    const definitions = await loadDefinitions(this.pool, { active: true });
    const actuals = asOf ? await this.fromChanges(resolved, from, to, asOf) : await this.actuals(resolved, from, to);
    const targets = await this.targets(resolved, from, to, asOf, definitions);
    const exact = definitions.map((d) => ({ actual: actuals.get(d.id) ?? 0n, target: targets.get(d.definition.code) ?? null }));
    return {
      scope: formatScope(resolved.scope),
      from,
      to,
      asOf: asOf ?? null,
      indicators: definitions.map((d, i) => {
        const money = isMoney(d.definition);
        const { actual, target } = exact[i]!;
        return {
          code: d.definition.code,
          name: d.definition.name,
          unit: d.definition.unit,
          actual: presentAmount(actual, money),
          target: target === null ? null : presentAmount(target, money),
          rate: completionRate(actual, target),
        };
      }),
      exact,
    };
  }

  /**
   * Every change of one indicator within a scope and period, in recording order, a page at a time
   * (`after`: the last id of the previous page). `total` is the sum of all the changes, every page.
   */
  async history(code: string, query: Partial<QueryPeriod> & { scope: string; after?: number; limit?: number }): Promise<{
    scope: string;
    code: string;
    from: LocalDate | null;
    to: LocalDate | null;
    asOf: string | null;
    total: number | string;
    changes: HistoryEntry[];
    /** Pass as `after` for the next page; null on the last page. */
    next: number | null;
  }> {
    const from = query.from === undefined ? null : parseLocalDate(query.from, 'from');
    const to = query.to === undefined ? null : parseLocalDate(query.to, 'to');
    if (from && to && from > to) throw invalid('bad_period', `from ${from} is after to ${to}`);
    const asOf = query.asOf === undefined ? undefined : this.instant(query.asOf);
    const definition = (await loadDefinitions(this.pool, { active: true })).find((d) => d.definition.code === code);
    if (!definition) throw notFound('unknown_indicator', `no active indicator ${code}`);
    const [lo, hi] = [from ?? '0001-01-01', to ?? '9999-12-31'];
    const resolved = await this.resolve(parseScope(query.scope), lo, hi);
    const where = changeFilter(resolved, lo, hi, asOf, [definition.id]);
    const limit = query.limit ?? HISTORY_PAGE;
    const page = where.params.length + 1;
    const pageRows = this.pool.query<{
      id: number; position: number; recorded_at: Date; occurred_on: string; station: string; community: string;
      delta: number; record_id: string; actor: string; reason: string | null;
    }>(
      `SELECT c.id, c.position, c.recorded_at, to_char(c.occurred_on, 'YYYY-MM-DD') AS occurred_on, c.station, c.community,
              c.delta, c.record_id, c.actor, c.reason
         FROM ind_changes c ${where.join} WHERE ${where.sql} AND c.id > $${page} ORDER BY c.id LIMIT $${page + 1}`,
      [...where.params, query.after ?? 0, limit + 1],
    );
    const [{ rows }, totals] = await Promise.all([pageRows, this.fromChanges(resolved, lo, hi, asOf, [definition.id])]);
    const total = totals.get(definition.id) ?? 0n;
    const money = isMoney(definition.definition);
    const changes = rows.slice(0, limit).map((r) => ({
      id: r.id,
      position: r.position,
      recordedAt: r.recorded_at.toISOString(),
      occurredOn: r.occurred_on,
      station: r.station,
      community: r.community,
      delta: presentAmount(BigInt(r.delta), money),
      recordId: r.record_id,
      actor: r.actor,
      reason: r.reason,
    }));
    const next = rows.length > limit ? changes.at(-1)!.id : null;
    return { scope: formatScope(resolved.scope), code, from, to, asOf: asOf ?? null, total: presentAmount(total, money), changes, next };
  }

  private period(query: QueryPeriod): { from: LocalDate; to: LocalDate; asOf?: string } {
    const from = parseLocalDate(query.from, 'from');
    const to = parseLocalDate(query.to, 'to');
    if (from > to) throw invalid('bad_period', `from ${from} is after to ${to}`);
    return { from, to, asOf: query.asOf === undefined ? undefined : this.instant(query.asOf) };
  }

  private instant(text: string): string {
    if (!ISO_INSTANT.test(text) || Number.isNaN(Date.parse(text))) {
      throw invalid('bad_as_of', `asOf must be an ISO-8601 date or instant (e.g. 2025-04-23T23:59:59+08:00), got ${JSON.stringify(text)}`);
    }
    return new Date(text).toISOString();
  }

  /** Checks that the place exists (404 otherwise) and says where its totals are. */
  async resolve(scope: Scope, from: LocalDate, to: LocalDate): Promise<Resolved> {
    const station = async (code: string) => {
      const found = (await loadStations(this.pool, { code })).get(code);
      if (!found) throw notFound('unknown_station', `no station ${code}`);
      return found;
    };
    switch (scope.type) {
      case 'city':
        return { kind: 'stations', scope, stations: null };
      case 'district': {
        const inDistrict = [...(await loadStations(this.pool, { district: scope.district })).keys()];
        if (inDistrict.length === 0) {
          const { rowCount } = await this.pool.query('SELECT 1 FROM ind_districts WHERE code = $1', [scope.district]);
          if (!rowCount) throw notFound('unknown_district', `no district ${scope.district}`);
        }
        return { kind: 'stations', scope, stations: inDistrict };
      }
      case 'station':
        await station(scope.station);
        return { kind: 'stations', scope, stations: [scope.station] };
      case 'area': {
        const { drawings } = await station(scope.station);
        if (!hasArea(drawings, scope.area)) throw notFound('unknown_area', `station ${scope.station} has no area ${scope.area}`);
        return { kind: 'communities', scope, station: scope.station, segments: areaSegments(drawings, scope.area, from, to) };
      }
      case 'community': {
        const { drawings } = await station(scope.station);
        if (!hasCommunity(drawings, scope.community)) {
          throw notFound('unknown_community', `station ${scope.station} has no community ${scope.community}`);
        }
        return { kind: 'communities', scope, station: scope.station, segments: [{ community: scope.community, from, to }] };
      }
    }
  }

  /**
   * Live totals: for stations, whole months from the station-month grain and the partial months'
   * days from the station-day grain; for areas and communities, the change rows.
   */
  private async actuals(resolved: Resolved, from: LocalDate, to: LocalDate): Promise<Map<number, bigint>> {
    if (resolved.kind === 'communities') return this.fromChanges(resolved, from, to, undefined);
    const { months, days } = splitMonths(from, to);
    // The city has no station filter; $1 is still typed so the parameter list stays the same.
    const stationFilter = resolved.stations === null ? 'AND $1::text[] IS NULL' : 'AND station = ANY($1::text[])';
    const params: unknown[] = [resolved.stations, months?.[0] ?? null, months?.[1] ?? null, days.map((d) => d[0]), days.map((d) => d[1])];
    return this.sum(
      `SELECT definition_id, sum(v) AS v FROM (
         SELECT definition_id, sum(value) AS v FROM ind_totals
          WHERE grain = ${GRAIN.stationMonth} ${stationFilter} AND period BETWEEN $2::date AND $3::date GROUP BY definition_id
         UNION ALL
         SELECT t.definition_id, sum(t.value) FROM ind_totals t JOIN unnest($4::date[], $5::date[]) AS d(lo, hi) ON t.period BETWEEN d.lo AND d.hi
          WHERE t.grain = ${GRAIN.stationDay} ${stationFilter.replace('station', 't.station')} GROUP BY t.definition_id
       ) x GROUP BY definition_id`,
      params,
    );
  }

  /** Sums of change rows (of the active definitions, or of `definitionIds`); with `asOf`, only those recorded by then (totals as they stood). */
  private async fromChanges(
    resolved: Resolved,
    from: LocalDate,
    to: LocalDate,
    asOf: string | undefined,
    definitionIds: number[] | null = null,
  ): Promise<Map<number, bigint>> {
    const where = changeFilter(resolved, from, to, asOf, definitionIds);
    return this.sum(`SELECT c.definition_id, sum(c.delta) AS v FROM ind_changes c ${where.join} WHERE ${where.sql} GROUP BY c.definition_id`, where.params);
  }

  private async sum(sql: string, params: unknown[]): Promise<Map<number, bigint>> {
    const { rows } = await this.pool.query<{ definition_id: number; v: string | null }>(sql, params);
    return new Map(rows.map((r) => [r.definition_id, BigInt(r.v ?? '0')]));
  }

  /**
   * Targets in force (协议指标量): of the contracts whose period lies within [from, to], each target as
   * last signed or amended by `asOf` (now without one), summed over the scope's stations. Targets are
   * per station, so areas and communities have none.
   */
  private async targets(resolved: Resolved, from: LocalDate, to: LocalDate, asOf: string | undefined, definitions: StoredDefinition[]): Promise<Map<string, bigint>> {
    const targets = new Map<string, bigint>();
    if (resolved.kind === 'communities') return targets;
    // Every signed and amended value, newest first: the newest that fits its indicator's unit is in force.
    const { rows } = await this.pool.query<{ contract: string; code: string; target: string }>(
      `SELECT t.contract, t.code, t.target
         FROM ind_targets t JOIN ind_contracts c ON c.code = t.contract
        WHERE ($1::text[] IS NULL OR c.station = ANY($1::text[])) AND c.period_start >= $2 AND c.period_end <= $3
          AND ($4::timestamptz IS NULL OR t.recorded_at <= $4)
        ORDER BY t.contract, t.code, t.position DESC`,
      [resolved.stations, from, to, asOf ?? null],
    );
    const byCode = new Map(definitions.map((d) => [d.definition.code, d.definition]));
    const inForce = new Set<string>();
    for (const { contract, code, target } of rows) {
      const definition = byCode.get(code);
      const value = definition && targetInUnit(definition, target);
      const key = `${contract}\u0000${code}`;
      if (value === undefined || inForce.has(key)) continue;
      inForce.add(key);
      targets.set(code, (targets.get(code) ?? 0n) + value);
    }
    return targets;
  }
}

function segmentArrays(segments: readonly Segment[]): [string[], string[], string[]] {
  return [segments.map((s) => s.community), segments.map((s) => s.from), segments.map((s) => s.to)];
}

/** SQL filter on ind_changes (alias c) for a scope, a period of occurrence and a recording cut-off. */
function changeFilter(resolved: Resolved, from: LocalDate, to: LocalDate, asOf: string | undefined, definitionIds: number[] | null) {
  const params: unknown[] = [asOf ?? null, definitionIds];
  const conditions = ['($1::timestamptz IS NULL OR c.recorded_at <= $1)', '($2::int[] IS NULL OR c.definition_id = ANY($2::int[]))'];
  let join = '';
  if (resolved.kind === 'communities') {
    params.push(resolved.station, ...segmentArrays(resolved.segments));
    conditions.push('c.station = $3');
    join = 'JOIN unnest($4::text[], $5::date[], $6::date[]) AS s(community, lo, hi) ON c.community = s.community AND c.occurred_on BETWEEN s.lo AND s.hi';
  } else {
    params.push(from, to);
    conditions.push('c.occurred_on BETWEEN $3 AND $4');
    if (resolved.stations !== null) {
      params.push(resolved.stations);
      conditions.push('c.station = ANY($5::text[])');
    }
  }
  if (definitionIds === null) conditions.push("c.definition_id IN (SELECT id FROM ind_definitions WHERE state = 'active')");
  return { join, sql: conditions.join(' AND '), params };
}
