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
  {
    id: '0002_event_store_typed_append',
    sql: `
-- Event data and metadata are stored as the json text the writer sent (json, not jsonb): turning
-- every document into jsonb took 60% of a bulk import's server time (COPY of 100k events: 1.9 s
-- with jsonb, 1.2 s with json) and a good part of each append, and nothing queries inside them
-- with jsonb-only operators (->> works on json; readers parse the text either way).
ALTER TABLE es_events ALTER COLUMN data TYPE json USING data::json, ALTER COLUMN metadata TYPE json USING metadata::json;

-- es_append took its appends as one jsonb document: picking it apart and building a jsonb answer, and
-- re-planning its statements on every call (plpgsql kept custom plans for them), cost about twice the
-- work of the rows written. es_append_batch takes the appends as parallel typed arrays (one entry per
-- append; the events of append i are the next p_counts[i] entries of the event arrays; data and
-- metadata come as one json array each: text arrays of json documents took escaping on both sides,
-- most of the client's work on a 100-event append) and answers
-- with one row per append: outcome 'a' appended (version = next version, first_position = position
-- of its first event, the others follow contiguously), 'd' duplicate (the stored event with the
-- lowest position among its ids: first_position, event_id, content_hash), 'c' conflict (version =
-- the stream's actual version). p_expected[i] is the version the stream must be at (0: it must not
-- exist), NULL for no check.
-- The appends are taken one after the other, so an append sees what the ones before it in the batch
-- wrote (same stream, same event id). Every statement looks rows up by equality on a unique index,
-- which keeps the generic plans good whatever the table held when they were made.
-- The advisory lock makes positions follow commit order: a reader that has seen position N has
-- seen every position below N, so catch-up never skips a late-committing transaction.
CREATE FUNCTION es_append_batch(
  p_stream_ids text[], p_stream_types text[], p_expected bigint[], p_counts int[],
  p_event_ids uuid[], p_types text[], p_schema_versions int[], p_data json, p_metadata json)
RETURNS TABLE (outcome "char", version bigint, first_position bigint, event_id uuid, content_hash text)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  now_ts    timestamptz;
  datas     json[] := ARRAY(SELECT x FROM json_array_elements(p_data) WITH ORDINALITY AS t(x, k) ORDER BY k);
  metadatas json[] := ARRAY(SELECT x FROM json_array_elements(p_metadata) WITH ORDINALITY AS t(x, k) ORDER BY k);
  off       int := 0;
  n         int;
  stream    text;
  appended  boolean := false;
BEGIN
  PERFORM pg_advisory_xact_lock(${APPEND_LOCK});
  now_ts := clock_timestamp();
  FOR i IN 1 .. cardinality(p_stream_ids) LOOP
    n := p_counts[i];
    stream := p_stream_ids[i];
    -- LIMIT keeps each lookup on the event-id index (not flattened into a join the planner may turn around).
    SELECT x.position, x.event_id, x.hash INTO first_position, event_id, content_hash
      FROM unnest(p_event_ids[off + 1 : off + n]) AS u(id)
      CROSS JOIN LATERAL (
        SELECT e.position, e.event_id, e.metadata->>'contentHash' AS hash FROM es_events e WHERE e.event_id = u.id LIMIT 1) x
     ORDER BY x.position LIMIT 1;
    IF FOUND THEN
      outcome := 'd';
      version := NULL;
    ELSE
      event_id := NULL;
      content_hash := NULL;
      SELECT s.version INTO version FROM es_streams s WHERE s.stream_id = stream;
      IF NOT FOUND THEN version := 0; END IF;
      IF p_expected[i] <> version THEN
        outcome := 'c';
        first_position := NULL;
      ELSE
        first_position := nextval('es_position');
        IF n > 1 THEN PERFORM setval('es_position', first_position + n - 1); END IF;
        INSERT INTO es_events (position, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at)
        SELECT first_position + k - 1, p_event_ids[off + k], stream, version + k, p_types[off + k],
               p_schema_versions[off + k], datas[off + k], metadatas[off + k], now_ts
          FROM generate_series(1, n) AS k;
        -- The lock is held: nobody else creates the stream row in between.
        IF version = 0 THEN
          INSERT INTO es_streams (stream_id, stream_type, version) VALUES (stream, p_stream_types[i], n);
        ELSE
          UPDATE es_streams s SET version = s.version + n WHERE s.stream_id = stream;
        END IF;
        version := version + n;
        outcome := 'a';
        appended := true;
      END IF;
    END IF;
    RETURN NEXT;
    off := off + n;
  END LOOP;
  IF appended THEN PERFORM pg_notify('${APPENDED_CHANNEL}', ''); END IF;
END $$;

-- The jsonb form stays for callers that append inside a transaction of their own (tests holding a
-- transaction open); it now unpacks its document into es_append_batch, so both share one implementation.
CREATE OR REPLACE FUNCTION es_append(p_appends jsonb) RETURNS jsonb LANGUAGE sql AS $$
  WITH a AS (SELECT x.a, x.i FROM jsonb_array_elements(p_appends) WITH ORDINALITY AS x(a, i)),
  e AS (SELECT y.e, a.i, y.k FROM a CROSS JOIN LATERAL jsonb_array_elements(a.a->'events') WITH ORDINALITY AS y(e, k)),
  r AS (
    SELECT r.*, row_number() OVER () AS i FROM es_append_batch(
      ARRAY(SELECT a->>'streamId' FROM a ORDER BY i),
      ARRAY(SELECT a->>'streamType' FROM a ORDER BY i),
      ARRAY(SELECT CASE a->>'expectedVersion' WHEN 'no_stream' THEN 0 WHEN 'any' THEN NULL ELSE (a->>'expectedVersion')::bigint END
              FROM a ORDER BY i),
      ARRAY(SELECT jsonb_array_length(a->'events') FROM a ORDER BY i),
      ARRAY(SELECT (e->>'eventId')::uuid FROM e ORDER BY i, k),
      ARRAY(SELECT e->>'type' FROM e ORDER BY i, k),
      ARRAY(SELECT coalesce((e->>'schemaVersion')::int, 1) FROM e ORDER BY i, k),
      (SELECT json_agg(e->'data' ORDER BY i, k) FROM e),
      (SELECT json_agg(e->'metadata' ORDER BY i, k) FROM e)) r
  )
  SELECT coalesce(jsonb_agg(CASE r.outcome
      WHEN 'a' THEN jsonb_build_object('status', 'appended', 'nextVersion', r.version, 'firstPosition', r.first_position)
      WHEN 'd' THEN jsonb_build_object('status', 'duplicate', 'eventId', r.event_id, 'position', r.first_position, 'contentHash', r.content_hash)
      ELSE jsonb_build_object('status', 'conflict', 'actual', r.version) END ORDER BY r.i), '[]')
    FROM r;
$$;
`,
  },
];
