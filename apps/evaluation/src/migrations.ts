import type { Migration } from '@app/database';
import { consumerMigrations } from '@app/messaging';

/**
 * The evaluation service's own schema (05xx). It holds only what the service derives from the event
 * stream: it can be dropped and rebuilt from the stream (see ReadModel.rebuild).
 */
export const evaluationMigrations: Migration[] = [
  // processed event ids (de-duplication) and dead letters of the feed consumer
  ...consumerMigrations('evaluation'),
  {
    id: '0501_evaluation_read_model',
    sql: `
      CREATE SCHEMA IF NOT EXISTS evaluation;
      -- the last recording event position applied: what captured indicator figures cover
      CREATE TABLE evaluation.feed_position (position bigint NOT NULL);
      INSERT INTO evaluation.feed_position VALUES (0);
      CREATE TABLE evaluation.districts (code text PRIMARY KEY, name text NOT NULL);
      CREATE TABLE evaluation.stations (
        code text PRIMARY KEY, name text NOT NULL, district text NOT NULL, street text NOT NULL,
        operator text NOT NULL, areas jsonb NOT NULL, position bigint NOT NULL);
      CREATE TABLE evaluation.contracts (
        code text PRIMARY KEY, station text NOT NULL, period_start date NOT NULL, period_end date NOT NULL,
        budget_yuan text NOT NULL, position bigint NOT NULL);
      -- targets as they changed (signed, then amended): the target as of a position is the latest row at or before it
      CREATE TABLE evaluation.contract_targets (
        contract text NOT NULL, code text NOT NULL, position bigint NOT NULL, target numeric NOT NULL,
        PRIMARY KEY (contract, code, position));
      -- indicator changes at community x day grain (counts, sums, fen), with the event position that caused them
      CREATE TABLE evaluation.indicator_changes (
        position bigint NOT NULL, station text NOT NULL, community text NOT NULL, code text NOT NULL,
        occurred_on date NOT NULL, delta numeric NOT NULL);
      CREATE INDEX indicator_changes_station ON evaluation.indicator_changes (station, code, occurred_on);
      -- the satisfaction survey's roll: households archived (一户一档) per station
      CREATE TABLE evaluation.households (
        station text NOT NULL, household text NOT NULL, community text NOT NULL, archived_on date NOT NULL,
        position bigint NOT NULL, PRIMARY KEY (station, household));
      CREATE TABLE evaluation.cycles (
        id text PRIMARY KEY, station text NOT NULL, kind text NOT NULL, stage text NOT NULL,
        version integer NOT NULL, state jsonb NOT NULL);
      -- the audit trail: one row per cycle event, never updated
      CREATE TABLE evaluation.trail (
        cycle_id text NOT NULL, version integer NOT NULL, position bigint NOT NULL, event_id uuid NOT NULL,
        type text NOT NULL, actor text NOT NULL, recorded_at timestamptz NOT NULL, data jsonb NOT NULL,
        PRIMARY KEY (cycle_id, version));
    `,
  },
  {
    // The trail is evidence: a row once written is never changed or removed (a rebuild truncates the
    // whole read model and replays it, which TRUNCATE does without row triggers).
    id: '0502_evaluation_trail_append_only',
    sql: `
      CREATE FUNCTION evaluation.trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the evaluation trail is append-only: % refused', TG_OP;
      END $$;
      CREATE TRIGGER trail_append_only BEFORE UPDATE OR DELETE ON evaluation.trail
        FOR EACH ROW EXECUTE FUNCTION evaluation.trail_append_only();
    `,
  },
  {
    // Pruning of processed ids (processed-events.ts) reads them oldest first.
    id: '0503_evaluation_processed_events_age',
    sql: 'CREATE INDEX processed_events_age ON evaluation.processed_events (group_id, processed_at);',
  },
  {
    // The survey roll follows corrections: one row per archive and per correction of one (a voided
    // archive leaves the roll, a re-dated one moves), the latest at or before a position in force.
    id: '0504_evaluation_household_roll_corrections',
    sql: `
      ALTER TABLE evaluation.households ADD COLUMN present boolean NOT NULL DEFAULT true;
      ALTER TABLE evaluation.households DROP CONSTRAINT households_pkey;
      ALTER TABLE evaluation.households ADD PRIMARY KEY (station, household, position);
    `,
  },
];
