import type { Migration } from '@app/database';

export const authMigrations: Migration[] = [
  {
    id: '0401_auth',
    sql: `
CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE auth.users (
  id         text PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  role       text NOT NULL,
  scopes     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One AES-256 key per household (station/household): its contact is sealed under it, in events too. Erasure deletes the row.
CREATE TABLE auth.household_keys (
  household  text PRIMARY KEY,
  key        bytea NOT NULL CHECK (length(key) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Erasure requests (被遗忘权): no key is ever made again for these households.
CREATE TABLE auth.erasures (
  household text PRIMARY KEY,
  erased_at timestamptz NOT NULL DEFAULT now(),
  erased_by text NOT NULL,
  reason    text NOT NULL
);

-- Every unmasked read of a person's file: who, as what, when, where.
CREATE TABLE auth.personal_data_reads (
  id        bigserial PRIMARY KEY,
  actor     text NOT NULL,
  role      text NOT NULL,
  household text NOT NULL,
  station   text,
  district  text,
  read_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX personal_data_reads_household ON auth.personal_data_reads (household, read_at);
CREATE INDEX personal_data_reads_station ON auth.personal_data_reads (station, read_at);
`,
  },
  {
    // Household keys are stored wrapped under the master key (61 bytes); 32 raw bytes are the keys
    // stored before, until wrapLegacyHouseholdKeys wraps them at start.
    id: '0402_auth_wrapped_household_keys',
    sql: `
ALTER TABLE auth.household_keys DROP CONSTRAINT household_keys_key_check;
ALTER TABLE auth.household_keys ADD CONSTRAINT household_keys_key_form CHECK (length(key) IN (32, 61));
`,
  },
];
