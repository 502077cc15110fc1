import type { Migration } from '@app/database';
import { STANDARD_INDICATORS } from '@app/indicators';

/**
 * Grains of `ind_totals`: station × day and station × month, so a station's or district's year is a
 * few hundred rows. The finest grain (record × community × day) is `ind_changes` itself: community
 * and area totals, and every as-of total, are sums over its rows.
 */
export const GRAIN = { stationDay: 2, stationMonth: 3 } as const;

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const seed = STANDARD_INDICATORS.map(
  (d, i) => `(${quote(d.code)}, 1, 'active', ${quote(JSON.stringify(d))}::jsonb, ${i + 1}, now())`,
).join(',\n  ');

export const indicatorMigrations: Migration[] = [
  {
    id: '0201_indicators',
    sql: `
-- The catalog (指标目录) as data. A changed definition is a new version, built beside the active one
-- ('building') and switched to when caught up; the old version is then 'retired'.
CREATE TABLE ind_definitions (
  id           serial PRIMARY KEY,
  code         text NOT NULL,
  version      int NOT NULL,
  state        text NOT NULL CHECK (state IN ('building', 'active', 'retired')),
  definition   jsonb NOT NULL,
  sort_order   int NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  UNIQUE (code, version)
);
CREATE UNIQUE INDEX ind_definitions_one_active ON ind_definitions (code) WHERE state = 'active';
CREATE UNIQUE INDEX ind_definitions_one_building ON ind_definitions (code) WHERE state = 'building';
INSERT INTO ind_definitions (code, version, state, definition, sort_order, activated_at) VALUES
  ${seed};

-- Places and contracts as the projection learnt them from the setup events.
CREATE TABLE ind_districts (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE ind_stations (
  code     text PRIMARY KEY,
  name     text NOT NULL,
  district text NOT NULL,
  drawings jsonb NOT NULL -- [{effectiveFrom, areas:[{code,name,communities:[{code,name}]}]}]
);
CREATE TABLE ind_contracts (
  code         text PRIMARY KEY,
  station      text NOT NULL,
  period_start date NOT NULL,
  period_end   date NOT NULL
);
-- Targets (协议指标量) as signed and amended: an amendment is a new row, never an update.
CREATE TABLE ind_targets (
  contract    text NOT NULL,
  code        text NOT NULL,
  target      text NOT NULL,
  position    bigint NOT NULL,
  recorded_at timestamptz NOT NULL,
  reason      text,
  PRIMARY KEY (contract, code, position)
);

-- Totals by grain (1 community-day, 2 station-day, 3 station-month; community '' above grain 1),
-- keyed for range scans by station and period.
CREATE TABLE ind_totals (
  grain         smallint NOT NULL,
  station       text NOT NULL,
  period        date NOT NULL,
  community     text NOT NULL,
  definition_id int NOT NULL,
  value         bigint NOT NULL,
  PRIMARY KEY (grain, station, period, community, definition_id)
);

-- Every change of a total, in recording order (id follows the events' positions). It serves the
-- history and as-of queries and is what the relay publishes on socialwork.indicator-changes.v1.
CREATE TABLE ind_changes (
  id            bigserial PRIMARY KEY,
  position      bigint NOT NULL,
  event_id      uuid NOT NULL,
  recorded_at   timestamptz NOT NULL,
  definition_id int NOT NULL,
  indicator     text NOT NULL,
  district      text NOT NULL,
  station       text NOT NULL,
  community     text NOT NULL,
  area          text,
  occurred_on   date NOT NULL,
  delta         bigint NOT NULL,
  record_id     text NOT NULL,
  actor         text NOT NULL,
  reason        text
);
CREATE INDEX ind_changes_place ON ind_changes (station, occurred_on);

-- Occurrences of distinct values (e.g. households archived) per definition, station and value.
CREATE TABLE ind_distinct (
  definition_id int NOT NULL,
  key           text NOT NULL,
  occurrences   jsonb NOT NULL,
  PRIMARY KEY (definition_id, key)
);

-- Effective content of records about a household: what the data-quality findings read.
CREATE TABLE ind_records (
  record_id   text PRIMARY KEY,
  station     text NOT NULL,
  position    bigint NOT NULL,
  body        jsonb NOT NULL
);
CREATE INDEX ind_records_station ON ind_records (station, position);
`,
  },
  {
    // Community totals come from ind_changes (the finest grain): the station-level grains need no community.
    id: '0202_indicator_totals_by_station',
    sql: `
DELETE FROM ind_totals WHERE grain = 1;
ALTER TABLE ind_totals DROP CONSTRAINT ind_totals_pkey;
ALTER TABLE ind_totals DROP COLUMN community;
ALTER TABLE ind_totals ADD PRIMARY KEY (grain, station, period, definition_id);
`,
  },
  {
    // One row per occurrence of a distinct value (it was one JSON object per value, rewritten whole
    // by every batch that touched the value: quadratic in the records of one household). A batch
    // reads a value's earliest few occurrences by the second index, in the projection's order
    // (day, community, record id; "C" compares bytes, as the projection compares code units).
    id: '0203_indicator_distinct_occurrences',
    sql: `
ALTER TABLE ind_distinct RENAME TO ind_distinct_old;
ALTER TABLE ind_distinct_old RENAME CONSTRAINT ind_distinct_pkey TO ind_distinct_old_pkey;
CREATE TABLE ind_distinct (
  definition_id int NOT NULL,
  key           text NOT NULL,
  record_id     text COLLATE "C" NOT NULL,
  community     text COLLATE "C" NOT NULL,
  occurred_on   date NOT NULL,
  PRIMARY KEY (definition_id, key, record_id)
);
CREATE INDEX ind_distinct_earliest ON ind_distinct (definition_id, key, occurred_on, community, record_id);
INSERT INTO ind_distinct (definition_id, key, record_id, community, occurred_on)
SELECT o.definition_id, o.key, e.key, e.value->>'community', (e.value->>'occurredOn')::date
  FROM ind_distinct_old o CROSS JOIN LATERAL jsonb_each(o.occurrences) e;
DROP TABLE ind_distinct_old;
`,
  },
  {
    // A record's body is only ever read whole (the quality findings parse it in Node): json is
    // checked and stored as text, where jsonb was decomposed on every projected record (a catch-up
    // batch's slowest write after the change rows).
    id: '0204_indicator_records_json',
    sql: `ALTER TABLE ind_records ALTER COLUMN body TYPE json USING body::json;`,
  },
];
