import type { Migration } from '@app/database';
import { SETUP_EVENT_TYPES } from '@app/recording';

export const recordingMigrations: Migration[] = [
  {
    // The place directory re-reads setup events after a position on every refresh; they are a
    // handful among millions of service events, so a partial index keeps that read tiny.
    id: '0101_recording_setup_events',
    sql: `CREATE INDEX recording_setup_events ON es_events (position) WHERE type IN (${SETUP_EVENT_TYPES.map((t) => `'${t}'`).join(', ')});`,
  },
  {
    // Overlapping contracts are refused by the decider against the place directory, a copy that can
    // be up to a second old in another process. This refuses in the log what a stale copy let
    // through: appends are serialised by the store's append lock, so the check sees every contract
    // committed before. A unique violation, so the recording side decides again on fresh places and
    // answers with the rule (contract_periods_overlap). AFTER, not BEFORE: a BEFORE row trigger
    // would turn every COPY of an import into row-by-row inserts.
    id: '0102_recording_contract_periods_apart',
    sql: `
      CREATE FUNCTION recording_contract_periods_apart() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (
          SELECT 1 FROM es_events e
           WHERE e.type = 'ContractSigned' AND e.position <> NEW.position
             AND e.data->>'station' = NEW.data->>'station'
             AND (e.data->>'periodStart')::date <= (NEW.data->>'periodEnd')::date
             AND (NEW.data->>'periodStart')::date <= (e.data->>'periodEnd')::date) THEN
          RAISE EXCEPTION 'contract % of station % overlaps another of its contracts', NEW.data->>'code', NEW.data->>'station'
            USING ERRCODE = 'unique_violation';
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER recording_contract_periods_apart AFTER INSERT ON es_events
        FOR EACH ROW WHEN (NEW.type = 'ContractSigned') EXECUTE FUNCTION recording_contract_periods_apart();`,
  },
];
