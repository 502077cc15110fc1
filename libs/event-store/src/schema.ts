import type { Migration } from '@app/database';

/** The advisory lock every append takes: positions are handed out in commit order (see README). */
export const APPEND_LOCK = 7_460_101;
export const APPENDED_CHANNEL = 'es_appended';

export const eventStoreMigrations: Migration[] = [
  {
    id: '0001_event_store',
    sql: `
CREATE SEQUENCE es_position AS bigint;

CREATE TABLE es_streams (
  stream_id   text PRIMARY KEY,
  stream_type text NOT NULL,
  version     bigint NOT NULL
);

CREATE TABLE es_events (
  position       bigint PRIMARY KEY,
  event_id       uuid NOT NULL,
  stream_id      text NOT NULL,
  stream_version bigint NOT NULL,
  type           text NOT NULL,
  schema_version int NOT NULL DEFAULT 1,
  data           jsonb NOT NULL,
  metadata       jsonb NOT NULL,
  recorded_at    timestamptz NOT NULL,
  CONSTRAINT es_events_event_id UNIQUE (event_id),
  CONSTRAINT es_events_stream_version UNIQUE (stream_id, stream_version),
  CONSTRAINT es_events_type_name CHECK (type ~ '^[A-Z][A-Za-z0-9]*$')
);

-- Events are facts: never updated, never deleted.
CREATE FUNCTION es_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'es_events is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER es_events_no_update BEFORE UPDATE OR DELETE ON es_events
  FOR EACH ROW EXECUTE FUNCTION es_events_immutable();

CREATE TABLE es_checkpoints (
  name       text PRIMARY KEY,
  position   bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Appends a batch of stream appends in one round trip. Each append is checked on its own
-- (an event id already stored, then the expected version) so one conflict does not fail its neighbours.
-- The advisory lock makes positions follow commit order: a reader that has seen position N has
-- seen every position below N, so catch-up never skips a late-committing transaction.
-- Each event id is looked up on its own index (a plan walking the log in position order, cached
-- while the table looked empty, once made every append scan it), and each append and its events
-- are taken out of the payload once (copying the JSON per access dominated 100-event appends).
CREATE FUNCTION es_append(p_appends jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  i          int;
  a          jsonb;
  events     jsonb;
  stream     text;
  n          int;
  results    jsonb := '[]'::jsonb;
  current_v  bigint;
  expected   jsonb;
  dup        record;
  now_ts     timestamptz;
  positions  bigint[];
  appended   boolean := false;
BEGIN
  PERFORM pg_advisory_xact_lock(${APPEND_LOCK});
  now_ts := clock_timestamp();
  FOR i IN 0 .. jsonb_array_length(p_appends) - 1 LOOP
    a := p_appends->i;
    events := a->'events';
    stream := a->>'streamId';
    n := jsonb_array_length(events);
    -- LIMIT keeps each lookup on the event-id index (not flattened into a join the planner may turn around).
    SELECT e.position, e.event_id, e.hash INTO dup
      FROM jsonb_array_elements(events) x
      CROSS JOIN LATERAL (
        SELECT s.position, s.event_id, s.metadata->>'contentHash' AS hash
          FROM es_events s WHERE s.event_id = (x->>'eventId')::uuid LIMIT 1) e
     ORDER BY e.position LIMIT 1;
    IF FOUND THEN
      results := results || jsonb_build_array(jsonb_build_object(
        'status', 'duplicate', 'eventId', dup.event_id, 'position', dup.position, 'contentHash', dup.hash));
      CONTINUE;
    END IF;
    SELECT s.version INTO current_v FROM es_streams s WHERE s.stream_id = stream;
    current_v := coalesce(current_v, 0);
    expected := a->'expectedVersion';
    IF (expected = '"no_stream"'::jsonb AND current_v <> 0)
       OR (jsonb_typeof(expected) = 'number' AND current_v <> (expected #>> '{}')::bigint) THEN
      results := results || jsonb_build_array(jsonb_build_object('status', 'conflict', 'actual', current_v));
      CONTINUE;
    END IF;
    WITH ins AS (
      INSERT INTO es_events (position, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at)
      SELECT nextval('es_position'), (x.e->>'eventId')::uuid, stream, current_v + x.ord, x.e->>'type',
             coalesce((x.e->>'schemaVersion')::int, 1), x.e->'data', x.e->'metadata', now_ts
        FROM (SELECT e, ord FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord) ORDER BY ord) x
      RETURNING position
    )
    SELECT array_agg(position ORDER BY position) INTO positions FROM ins;
    INSERT INTO es_streams (stream_id, stream_type, version)
    VALUES (stream, a->>'streamType', current_v + n)
    ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version;
    results := results || jsonb_build_array(jsonb_build_object(
      'status', 'appended', 'nextVersion', current_v + n, 'positions', to_jsonb(positions)));
    appended := true;
  END LOOP;
  IF appended THEN PERFORM pg_notify('${APPENDED_CHANNEL}', ''); END IF;
  RETURN results;
END $$;
`,
  },
];
