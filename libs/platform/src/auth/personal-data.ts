import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { inTransaction } from '@app/database';
import {
  HOUSEHOLD_KEY_BYTES,
  isSealedContact,
  maskContact,
  newHouseholdKey,
  openContact,
  sealContact,
  type Caller,
  type Contact,
  type Place,
  type SealedContact,
  type ShownContact,
  unwrapHouseholdKey,
  wrapHouseholdKey,
} from '@app/auth';
import { PG_POOL } from '../tokens.js';
import { AccessService } from './access.service.js';
import { householdMasterKey } from './master-key.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** Household ids are the station's own (一户一档 per station): a key belongs to station and household. */
export const householdSubject = (station: string, household: string): string => `${station}/${household}`;

/**
 * The keys of a set of households, loaded at once so that sealing inside a batch is synchronous.
 * An erased household has no key: its contact is dropped, never stored again.
 */
export class HouseholdKeyring {
  constructor(private readonly keys: ReadonlyMap<string, Buffer>) {}

  /** Seals a plain contact; one already sealed stays as it is (a correction's `before`). */
  protect(subject: string, contact: Contact | SealedContact | undefined): SealedContact | undefined {
    if (contact === undefined || isSealedContact(contact)) return contact;
    const key = this.keys.get(subject);
    return key ? sealContact(key, subject, contact) : undefined;
  }

  /** The plain contact, or undefined when the household's key is gone (erased). */
  open(subject: string, contact: SealedContact): Contact | undefined {
    const key = this.keys.get(subject);
    return key ? openContact(key, subject, contact) : undefined;
  }

  /**
   * A keyed digest of a plain contact, to stand for it in the record's content hash: equal contacts
   * of a household give equal digests while its key lives. A plain hash of the record would let
   * anyone with the log confirm guesses of a phone or id number (few enough to try them all), erased
   * or not; this one needs the key. Undefined when the household's key is gone (erased).
   */
  fingerprint(subject: string, contact: Contact): string | undefined {
    const key = this.keys.get(subject);
    if (!key) return undefined;
    const fields = JSON.stringify([contact.name ?? null, contact.idNumber ?? null, contact.phone ?? null]);
    return createHmac('sha256', key).update(`socialwork.contact-fingerprint\u0000${subject}\u0000${fields}`).digest('base64url');
  }
}

/**
 * Keys for these households (`householdSubject`), made for those that have none unless erased,
 * through `db` (the caller's transaction: keys and events commit together). Keys are stored wrapped
 * under the master key (HOUSEHOLD_MASTER_KEY) and unwrapped here.
 */
export async function loadHouseholdKeyring(db: Queryable, subjects: Iterable<string>, create = true): Promise<HouseholdKeyring> {
  const ids = [...new Set(subjects)];
  if (ids.length === 0) return new HouseholdKeyring(new Map());
  const master = householdMasterKey().key;
  if (create) {
    await db.query(
      `INSERT INTO auth.household_keys (household, key)
       SELECT h, k FROM unnest($1::text[], $2::bytea[]) AS t(h, k)
        WHERE NOT EXISTS (SELECT 1 FROM auth.erasures e WHERE e.household = t.h)
       ON CONFLICT (household) DO NOTHING`,
      [ids, ids.map((id) => wrapHouseholdKey(master, id, newHouseholdKey()))],
    );
  }
  const { rows } = await db.query<{ household: string; key: Buffer }>('SELECT household, key FROM auth.household_keys WHERE household = ANY($1::text[])', [ids]);
  return new HouseholdKeyring(new Map(rows.map((row) => [row.household, unwrapHouseholdKey(master, row.household, row.key)])));
}

/**
 * Wraps the keys stored before keys were wrapped (32 raw bytes) under the master key, a slice at a
 * time; run at start. Returns how many it wrapped.
 */
export async function wrapLegacyHouseholdKeys(pool: pg.Pool): Promise<number> {
  const master = householdMasterKey().key;
  let wrapped = 0;
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ household: string; key: Buffer }>(
        'SELECT household, key FROM auth.household_keys WHERE length(key) = $1 LIMIT 1000 FOR UPDATE SKIP LOCKED',
        [HOUSEHOLD_KEY_BYTES],
      );
      if (rows.length === 0) return 0;
      await storeHouseholdKeys(client, rows.map((r) => ({ household: r.household, key: wrapHouseholdKey(master, r.household, r.key) })));
      return rows.length;
    });
    if (done === 0) return wrapped;
    wrapped += done;
  }
}

/** Wrapped keys tried at each end of the table's history by checkHouseholdMasterKey. */
const CHECKED_AT_EACH_END = 32;

/**
 * Stops a process whose master key does not open the stored household keys (a rotation moved them
 * to another key), before it reads or makes any, rather than at its first read of one. GCM
 * authenticates, so a key that opens with `master` was wrapped under it. The oldest and the newest
 * wrapped keys are tried: a rotation moves the oldest, and a process still on a replaced key, run
 * after a rotation, makes the newest; trying every key would cost a city's start-up seconds. Raw
 * legacy keys open with any master key and prove nothing; with no wrapped key there is nothing to
 * check. Run before legacy keys are wrapped, or a wrong key would wrap them under itself and pass.
 */
export async function checkHouseholdMasterKey(db: Queryable, master: Buffer): Promise<void> {
  const { rows } = await db.query<{ household: string; key: Buffer }>(
    `(SELECT household, key FROM auth.household_keys WHERE length(key) <> $1 ORDER BY created_at, household LIMIT $2)
     UNION
     (SELECT household, key FROM auth.household_keys WHERE length(key) <> $1 ORDER BY created_at DESC, household DESC LIMIT $2)`,
    [HOUSEHOLD_KEY_BYTES, CHECKED_AT_EACH_END],
  );
  for (const { household, key } of rows) {
    try {
      unwrapHouseholdKey(master, household, key);
    } catch (cause) {
      throw new Error(
        `HOUSEHOLD_MASTER_KEY does not open the stored household keys (the key of ${household} does not unwrap with it): they are wrapped under another master key. ` +
          'If a rotation (npm run cli -- rotate-master-key) happened, set HOUSEHOLD_MASTER_KEY to the key it moved them to (its HOUSEHOLD_MASTER_KEY_NEW); ' +
          'if some keys open and others do not, a process on the replaced key made keys after it: run the rotation again',
        { cause },
      );
    }
  }
}

/** What a master key rotation did to the stored household keys. */
export interface MasterKeyRotation {
  /** Keys wrapped under the old master key, now under the new one. */
  rewrapped: number;
  /** Keys stored before keys were wrapped (32 raw bytes), now wrapped under the new master key. */
  legacy: number;
  /** Keys that already opened with the new master key (a rotation run again), left as they were. */
  alreadyNew: number;
}

/**
 * Re-wraps every stored household key from master key `from` to `to`, in one transaction: every key
 * or, on a refusal, none. The table is locked against writes (not reads) meanwhile, so no key is made
 * or erased beside the rotation and none escapes it.
 *
 * A key is first tried with the new master key: one that opens with it is left as it is, so running
 * the rotation again (twice, or after a process still on the old key made keys) is harmless; GCM
 * authenticates, so a key that opens with a master key was wrapped under it. Otherwise it must open
 * with the old one, or the rotation stops changing nothing: a wrong old key is refused, not spread.
 * Raw legacy keys are wrapped under the new key.
 */
export async function rotateHouseholdMasterKey(pool: pg.Pool, from: Buffer, to: Buffer): Promise<MasterKeyRotation> {
  return inTransaction(pool, async (client) => {
    await client.query('LOCK TABLE auth.household_keys IN EXCLUSIVE MODE');
    const { rows } = await client.query<{ household: string; key: Buffer }>('SELECT household, key FROM auth.household_keys ORDER BY household');
    const result: MasterKeyRotation = { rewrapped: 0, legacy: 0, alreadyNew: 0 };
    const rewrapped: { household: string; key: Buffer }[] = [];
    for (const { household, key: stored } of rows) {
      const legacy = stored.length === HOUSEHOLD_KEY_BYTES;
      if (!legacy && opensWith(to, household, stored)) {
        result.alreadyNew += 1;
        continue;
      }
      let key: Buffer;
      try {
        key = unwrapHouseholdKey(from, household, stored);
      } catch (cause) {
        throw new Error(
          `master key rotation refused, nothing changed: the household key of ${household} opens with neither the old master key nor the new one (is the old key the one the household keys are wrapped under?)`,
          { cause },
        );
      }
      rewrapped.push({ household, key: wrapHouseholdKey(to, household, key) });
      result[legacy ? 'legacy' : 'rewrapped'] += 1;
    }
    await storeHouseholdKeys(client, rewrapped);
    return result;
  });
}

function opensWith(master: Buffer, household: string, stored: Buffer): boolean {
  try {
    unwrapHouseholdKey(master, household, stored);
    return true;
  } catch {
    return false;
  }
}

/** Replaces the stored form of these households' keys, in one statement. */
async function storeHouseholdKeys(client: pg.PoolClient, keys: readonly { household: string; key: Buffer }[]): Promise<void> {
  await client.query('UPDATE auth.household_keys k SET key = u.key FROM unnest($1::text[], $2::bytea[]) AS u(household, key) WHERE k.household = u.household', [
    keys.map((k) => k.household),
    keys.map((k) => k.key),
  ]);
}

/** Personal data on the way out: what each role sees, the read log, erasure. */
@Injectable()
export class PersonalDataVault {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly access: AccessService,
  ) {}

  /**
   * What the caller may see of a household's contacts, by sealed text: all of it for roles that serve
   * people (the read of the file is recorded once), masked for roles that see files, nothing for the
   * others (an empty map). Access is decided and the household key read once, whatever the number of
   * contacts.
   */
  async show(caller: Caller, station: string, household: string, contacts: readonly SealedContact[]): Promise<ReadonlyMap<string, ShownContact>> {
    const shown = new Map<string, ShownContact>();
    if (contacts.length === 0) return shown;
    const full = (await this.access.decide(caller, 'personal:read', { station })).allowed;
    if (!full && !(await this.access.decide(caller, 'records:read', { station })).allowed) return shown;
    const subject = householdSubject(station, household);
    const keyring = await loadHouseholdKeyring(this.pool, [subject], false);
    let opened = false;
    for (const contact of contacts) {
      if (shown.has(contact.sealed)) continue;
      const plain = keyring.open(subject, contact);
      opened ||= plain !== undefined;
      shown.set(contact.sealed, !plain ? { erased: true } : full ? plain : maskContact(plain));
    }
    if (full && opened) {
      // A station registered within the directory's refresh interval is not in it yet: asked again
      // fresh, so the read log never files a read without its district.
      const district = (await this.access.places()).districtOf(station) ?? (await this.access.places({ refresh: true })).districtOf(station);
      await this.pool.query(
        'INSERT INTO auth.personal_data_reads (actor, role, household, station, district) VALUES ($1, $2, $3, $4, $5)',
        [caller.id, caller.role, household, station, district ?? null],
      );
    }
    return shown;
  }

  /** Erasure: the key is deleted, so every sealed copy (events, exports, feeds) is unreadable. */
  async erase(caller: Caller, station: string, household: string, reason: string): Promise<{ station: string; household: string; keyDeleted: boolean }> {
    const subject = householdSubject(station, household);
    return inTransaction(this.pool, async (client) => {
      await client.query('INSERT INTO auth.erasures (household, erased_by, reason) VALUES ($1, $2, $3) ON CONFLICT (household) DO NOTHING', [
        subject,
        caller.id,
        reason,
      ]);
      const { rowCount } = await client.query('DELETE FROM auth.household_keys WHERE household = $1', [subject]);
      return { station, household, keyDeleted: (rowCount ?? 0) > 0 };
    });
  }

  async reads(place: Place): Promise<{ actor: string; role: string; household: string; station: string | null; readAt: string }[]> {
    const { rows } = await this.pool.query<{ actor: string; role: string; household: string; station: string | null; read_at: Date }>(
      `SELECT actor, role, household, station, read_at FROM auth.personal_data_reads
        WHERE ($1::text IS NULL OR station = $1) AND ($2::text IS NULL OR district = $2) ORDER BY id DESC LIMIT 1000`,
      [place.station ?? null, place.district ?? null],
    );
    return rows.map(({ read_at, ...row }) => ({ ...row, readAt: read_at.toISOString() }));
  }
}
