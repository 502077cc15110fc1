import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { inTransaction } from '@app/database';
import { lockCheckpoint, readCheckpoint, type PgEventStore } from '@app/event-store';
import { EVENT_STORE, PG_POOL } from '@app/platform';
import { fenToYuan, notFound, type LocalDate } from '@app/kernel';
import type { CycleState, CycleSubject, IndicatorFigure } from '@app/evaluation';
import { subscribe, type FeedSubscription } from '@app/messaging';
import { OwnEventsConsumer } from './own-events.js';
import { EVALUATION_INDICATORS, recordingFeed } from './recording-input.js';
import { cycleInput } from './cycle-input.js';
import { PROCESSED_RETENTION, pruneProcessedEvents, type ProcessedRetention } from './processed-events.js';

export interface StationRow {
  code: string;
  name: string;
  district: string;
  districtName: string | null;
  street: string;
  operator: string;
  areas: CycleSubject['station']['areas'];
}

export interface TrailEntry {
  version: number;
  position: number;
  eventId: string;
  type: string;
  actor: string;
  recordedAt: string;
  data: unknown;
}

/** Checkpoint of the feed consumer on the PostgreSQL transport (@app/messaging names it after the group). */
const FEED_CHECKPOINT = `consumer:${recordingFeed.groupId}`;

/** How often processed event ids that can no longer be re-delivered are deleted. */
const PRUNE_EVERY_MS = 10 * 60_000;

const READ_TABLES = ['processed_events', 'dead_letters', 'districts', 'stations', 'contracts', 'contract_targets', 'indicator_changes', 'households', 'cycles', 'trail'];

/**
 * The evaluation read model: fed by the recording events (stations, contracts, indicator figures,
 * households) and by the service's own cycle events. Everything in it can be rebuilt from the log.
 */
@Injectable()
export class ReadModel implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EvaluationReadModel');
  private readonly cycleConsumer: OwnEventsConsumer;
  private feed?: FeedSubscription;
  private pruning?: NodeJS.Timeout;
  private readonly onError = (error: Error) => this.logger.error(error.message);

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: PgEventStore,
  ) {
    this.cycleConsumer = new OwnEventsConsumer(pool, store, cycleInput, this.onError);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.startFeed();
    await this.cycleConsumer.start();
    // Not at start: a consumer back after a long stop first takes the re-deliveries its ids are for.
    this.pruning = setInterval(() => this.pruneProcessed().catch(this.onError), PRUNE_EVERY_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruning);
    await this.cycleConsumer.stop();
    await this.feed?.stop();
  }

  /** The recording events arrive through the messaging consumer: Kafka with KAFKA_BROKERS, else the PostgreSQL log. */
  private async startFeed(): Promise<void> {
    this.feed = await subscribe({ ...recordingFeed, pool: this.pool, store: this.store, onError: this.onError });
  }

  /** Read-your-writes for cycle commands: applies the cycle events in the log now before answering. */
  async catchUp(): Promise<void> {
    await this.cycleConsumer.catchUp();
  }

  /**
   * Empties the read model and replays the log into it: the cycles at once, the recording figures
   * as the feed consumer catches up again (see `status`). On the PostgreSQL transport only: with Kafka
   * the consumer group's offsets would have to be reset as well.
   */
  async rebuild(): Promise<void> {
    await this.feed?.stop();
    await inTransaction(this.pool, async (tx) => {
      // Holding the cycle checkpoint keeps the running cycle consumer out until the tables are empty.
      await lockCheckpoint(tx, cycleInput.name);
      await tx.query(`TRUNCATE ${READ_TABLES.map((t) => `evaluation.${t}`).join(', ')}`);
      await tx.query('UPDATE evaluation.feed_position SET position = 0');
      await tx.query('UPDATE es_checkpoints SET position = 0, updated_at = now() WHERE name = ANY($1::text[])', [[FEED_CHECKPOINT, cycleInput.name]]);
    });
    await this.startFeed();
    await this.catchUp();
  }

  /**
   * Deletes the processed event ids of both inputs that can no longer be re-delivered: the recording
   * feed's below the position its figures cover, the cycle events' below their checkpoint.
   */
  async pruneProcessed(retention: ProcessedRetention = PROCESSED_RETENTION): Promise<number> {
    const [feed, cycles] = await Promise.all([this.recordingPosition(), readCheckpoint(this.pool, cycleInput.name)]);
    return (
      (await pruneProcessedEvents(this.pool, recordingFeed.groupId, feed, retention)) +
      (await pruneProcessedEvents(this.pool, cycleInput.name, cycles, retention))
    );
  }

  /** The last recording event position the read model has applied: what captured figures cover. */
  async recordingPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ position: number }>('SELECT position FROM evaluation.feed_position');
    return rows[0]?.position ?? 0;
  }

  /** How far the read model has read, against the last event of each kind it reads (an operations check). */
  async status(): Promise<{ head: number; recording: number; recordingHead: number; cycles: number; cyclesHead: number }> {
    const last = async (types: readonly string[]) =>
      (await this.pool.query<{ p: number | null }>('SELECT max(position) AS p FROM es_events WHERE type = ANY($1::text[])', [types])).rows[0]!.p ?? 0;
    const [head, recording, recordingHead, cycles, cyclesHead] = await Promise.all([
      this.store.headPosition(),
      this.recordingPosition(),
      last(recordingFeed.types!),
      readCheckpoint(this.pool, cycleInput.name),
      last(cycleInput.types),
    ]);
    return { head, recording, recordingHead, cycles, cyclesHead };
  }

  async station(code: string): Promise<StationRow> {
    const { rows } = await this.pool.query<StationRow>(
      `SELECT s.code, s.name, s.district, d.name AS "districtName", s.street, s.operator, s.areas
       FROM evaluation.stations s LEFT JOIN evaluation.districts d ON d.code = s.district WHERE s.code = $1`,
      [code],
    );
    if (!rows[0]) throw notFound('station_not_found', `the evaluation service knows no station ${code}`);
    return rows[0];
  }

  async contract(code: string): Promise<{ code: string; station: string; periodStart: LocalDate; periodEnd: LocalDate; budgetYuan: string }> {
    const { rows } = await this.pool.query(
      `SELECT code, station, to_char(period_start, 'YYYY-MM-DD') AS "periodStart", to_char(period_end, 'YYYY-MM-DD') AS "periodEnd",
              budget_yuan AS "budgetYuan" FROM evaluation.contracts WHERE code = $1`,
      [code],
    );
    if (!rows[0]) throw notFound('contract_not_found', `the evaluation service knows no contract ${code}`);
    return rows[0];
  }

  /**
   * Indicator figures of a contract's station for services from the period start to `asOf`
   * (inclusive), counting only events at or before `position`; targets as they stood at `position`.
   */
  async figures(contract: string, station: string, periodStart: LocalDate, asOf: LocalDate, position: number): Promise<IndicatorFigure[]> {
    const { rows: actuals } = await this.pool.query<{ code: string; actual: string }>(
      `SELECT code, sum(delta)::text AS actual FROM evaluation.indicator_changes
       WHERE station = $1 AND occurred_on BETWEEN $2 AND $3 AND position <= $4 GROUP BY code`,
      [station, periodStart, asOf, position],
    );
    const { rows: targets } = await this.pool.query<{ code: string; target: string }>(
      `SELECT DISTINCT ON (code) code, target::text FROM evaluation.contract_targets
       WHERE contract = $1 AND position <= $2 ORDER BY code, position DESC`,
      [contract, position],
    );
    const actual = new Map(actuals.map((r) => [r.code, BigInt(r.actual)]));
    const target = new Map(targets.map((r) => [r.code, BigInt(r.target)]));
    return EVALUATION_INDICATORS.filter((d) => target.has(d.code) || (actual.get(d.code) ?? 0n) !== 0n).map((d) => {
      const money = d.measure.type === 'sum' && d.measure.money === true;
      const present = (value: bigint) => (money ? fenToYuan(value) : value.toString());
      const t = target.get(d.code);
      return { code: d.code, name: d.name, unit: d.unit, actual: present(actual.get(d.code) ?? 0n), target: t === undefined ? null : present(t) };
    });
  }

  /**
   * The survey roll: households of the station archived on or before `asOf`, as recorded and corrected
   * at or before `position` (each household's latest row by then; a voided archive is not present).
   */
  async households(station: string, asOf: LocalDate, position: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ household: string }>(
      `SELECT household FROM (
         SELECT DISTINCT ON (household) household, archived_on, present FROM evaluation.households
          WHERE station = $1 AND position <= $3 ORDER BY household, position DESC) latest
        WHERE present AND archived_on <= $2 ORDER BY household`,
      [station, asOf, position],
    );
    return rows.map((r) => r.household);
  }

  async cycle(id: string): Promise<CycleState> {
    const { rows } = await this.pool.query<{ state: CycleState }>('SELECT state FROM evaluation.cycles WHERE id = $1', [id]);
    if (!rows[0]) throw notFound('cycle_not_found', `no evaluation cycle ${id}`);
    return rows[0].state;
  }

  async cycles(station?: string): Promise<{ id: string; station: string; kind: string; stage: string; version: number }[]> {
    const { rows } = await this.pool.query(
      `SELECT id, station, kind, stage, version FROM evaluation.cycles WHERE $1::text IS NULL OR station = $1 ORDER BY id`,
      [station ?? null],
    );
    return rows;
  }

  async trail(cycleId: string): Promise<TrailEntry[]> {
    const { rows } = await this.pool.query<TrailEntry>(
      `SELECT version, position, event_id AS "eventId", type, actor, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "recordedAt", data
       FROM evaluation.trail WHERE cycle_id = $1 ORDER BY version`,
      [cycleId],
    );
    return rows;
  }
}
