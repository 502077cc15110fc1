import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newHouseholdKey, sealContact, unwrapHouseholdKey, wrapHouseholdKey } from '@app/auth';
import { checkHouseholdMasterKey, householdMasterKey, loadHouseholdKeyring, rotateHouseholdMasterKey } from '@app/platform';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { importCommand } from '../../apps/cli/src/import.js';
import { rotateKeyCommand } from '../../apps/cli/src/rotate-key.js';
import { serve } from '../../apps/cli/src/serve.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Rotating the master key. The keys start under a key of their own (`old`) and move to the process's
 * master key, so that after a rotation the normal read path (the keyring) is the one that opens them.
 */
describe('master key rotation', () => {
  let db: TestDatabase;
  const old = randomBytes(32);
  const next = householdMasterKey().key;
  const contact = { name: '陈阿婆', phone: '13912345678' };

  const stored = async (): Promise<Map<string, Buffer>> =>
    new Map((await db.pool.query<{ household: string; key: Buffer }>('SELECT household, key FROM auth.household_keys')).rows.map((r) => [r.household, r.key]));
  /** Stores a new household key as `wrap` makes it; returns the key. */
  const storeKey = async (household: string, wrap: (key: Buffer) => Buffer): Promise<Buffer> => {
    const key = newHouseholdKey();
    await db.pool.query('INSERT INTO auth.household_keys (household, key) VALUES ($1, $2)', [household, wrap(key)]);
    return key;
  };
  const underOld = (household: string) => storeKey(household, (key) => wrapHouseholdKey(old, household, key));

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
  });
  beforeEach(async () => {
    await db.pool.query('TRUNCATE auth.household_keys');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('re-wraps every key under the new master key: it opens with the new key, not with the old, and the contacts it sealed open through the keyring', async () => {
    const keys = new Map([
      ['S1/H1', await underOld('S1/H1')],
      ['S1/H2', await underOld('S1/H2')],
    ]);
    const sealed = sealContact(keys.get('S1/H1')!, 'S1/H1', contact);
    await expect(loadHouseholdKeyring(db.pool, ['S1/H1'], false)).rejects.toThrow(/does not unwrap with this master key/);

    expect(await rotateHouseholdMasterKey(db.pool, old, next)).toEqual({ rewrapped: 2, legacy: 0, alreadyNew: 0 });

    for (const [household, row] of await stored()) {
      expect(unwrapHouseholdKey(next, household, row)).toEqual(keys.get(household));
      expect(() => unwrapHouseholdKey(old, household, row)).toThrow(/does not unwrap/);
    }
    expect((await loadHouseholdKeyring(db.pool, ['S1/H1'], false)).open('S1/H1', sealed)).toEqual(contact);
  });

  it('wraps a key stored before keys were wrapped under the new master key', async () => {
    const legacy = await storeKey('S1/OLD', (key) => key);
    const sealed = sealContact(legacy, 'S1/OLD', contact);

    expect(await rotateHouseholdMasterKey(db.pool, old, next)).toEqual({ rewrapped: 0, legacy: 1, alreadyNew: 0 });

    const row = (await stored()).get('S1/OLD')!;
    expect(row).toHaveLength(61);
    expect(unwrapHouseholdKey(next, 'S1/OLD', row)).toEqual(legacy);
    expect((await loadHouseholdKeyring(db.pool, ['S1/OLD'], false)).open('S1/OLD', sealed)).toEqual(contact);
  });

  it('refuses a wrong old key, naming a household whose key it does not open, and changes nothing', async () => {
    await storeKey('S1/A', (key) => key);
    await underOld('S1/H1');
    const before = await stored();

    await expect(rotateHouseholdMasterKey(db.pool, randomBytes(32), next)).rejects.toThrow(
      /rotation refused, nothing changed: the household key of S1\/H1 opens with neither the old master key nor the new one/,
    );
    expect(await stored()).toEqual(before);
  });

  it('leaves keys already under the new master key as they are, so running it again is harmless', async () => {
    const key = await underOld('S1/H1');
    await rotateHouseholdMasterKey(db.pool, old, next);
    const rotated = await stored();
    // A key made after the rotation by a process still on the old key.
    const late = await underOld('S1/LATE');

    expect(await rotateHouseholdMasterKey(db.pool, old, next)).toEqual({ rewrapped: 1, legacy: 0, alreadyNew: 1 });

    const after = await stored();
    expect(after.get('S1/H1')).toEqual(rotated.get('S1/H1'));
    expect(unwrapHouseholdKey(next, 'S1/H1', after.get('S1/H1')!)).toEqual(key);
    expect(unwrapHouseholdKey(next, 'S1/LATE', after.get('S1/LATE')!)).toEqual(late);
  });

  describe('the start-up check of the master key', () => {
    it('after a rotation, refuses the old master key naming HOUSEHOLD_MASTER_KEY and the rotation, and accepts the new one', async () => {
      await underOld('S1/H1');
      await expect(checkHouseholdMasterKey(db.pool, old)).resolves.toBeUndefined();

      await rotateHouseholdMasterKey(db.pool, old, next);

      await expect(checkHouseholdMasterKey(db.pool, old)).rejects.toThrow(
        /HOUSEHOLD_MASTER_KEY does not open the stored household keys[^]*wrapped under another master key[^]*set HOUSEHOLD_MASTER_KEY to the key it moved them to/,
      );
      await expect(checkHouseholdMasterKey(db.pool, next)).resolves.toBeUndefined();
    });

    it('passes with no key stored, and with only raw legacy keys, which open with any master key', async () => {
      await expect(checkHouseholdMasterKey(db.pool, old)).resolves.toBeUndefined();

      await storeKey('S1/OLD', (key) => key);

      await expect(checkHouseholdMasterKey(db.pool, randomBytes(32))).resolves.toBeUndefined();
    });

    it('refuses a mix: keys a process on the replaced master key made after a rotation, or the rotated ones', async () => {
      await underOld('S1/H1');
      await underOld('S1/H2');
      await rotateHouseholdMasterKey(db.pool, old, next);
      await db.pool.query("UPDATE auth.household_keys SET created_at = now() - interval '1 day'");
      await underOld('S1/H3');

      await expect(checkHouseholdMasterKey(db.pool, next)).rejects.toThrow(/the key of S1\/H3 does not unwrap with it[^]*run the rotation again/);
      await expect(checkHouseholdMasterKey(db.pool, old)).rejects.toThrow(/the key of S1\/H[12] does not unwrap with it/);

      await rotateHouseholdMasterKey(db.pool, old, next);

      await expect(checkHouseholdMasterKey(db.pool, next)).resolves.toBeUndefined();
    });

    it('tries a wrapped key, not a raw legacy one beside it', async () => {
      await storeKey('S1/A', (key) => key);
      await underOld('S1/H1');

      await expect(checkHouseholdMasterKey(db.pool, next)).rejects.toThrow(/the key of S1\/H1 does not unwrap with it/);
    });
  });

  it('stops a command-line import whose master key does not open the stored keys before it reads a line', async () => {
    await underOld('S1/H1');
    const dir = await mkdtemp(join(tmpdir(), 'rotation-'));
    const file = join(dir, 'district.ndjson');
    await writeFile(file, `${JSON.stringify({ id: 'd-1', kind: 'district', code: '440111', name: '白云区' })}\n`);
    const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
    try {
      await expect(importCommand([file], { env: { DATABASE_URL: db.url }, stdout: quiet, stderr: quiet })).rejects.toThrow(
        /HOUSEHOLD_MASTER_KEY does not open the stored household keys/,
      );
      expect((await db.pool.query("SELECT count(*)::int AS n FROM es_events WHERE type = 'DistrictRegistered'")).rows[0]!.n).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops the start of the platform on a master key that does not open the stored keys: no raw legacy key wrapped under it, no connection left', async () => {
    const legacy = await storeKey('S1/A', (key) => key);
    await underOld('S1/H1');
    // serve() reads the process's master key (`next`), which does not open S1/H1's.
    const url = `${db.url}?application_name=start-refused`;

    await expect(serve({ DATABASE_URL: url, DEMO_DATA: 'off', PORT: '0' })).rejects.toThrow(/HOUSEHOLD_MASTER_KEY does not open the stored household keys/);

    expect((await stored()).get('S1/A')).toEqual(legacy);
    const left = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'start-refused'");
    expect(left.rows[0]!.n).toBe(0);
  });

  describe('npm run cli -- rotate-master-key', () => {
    const env = (newKey?: string) => ({ DATABASE_URL: db.url, HOUSEHOLD_MASTER_KEY: old.toString('base64'), HOUSEHOLD_MASTER_KEY_NEW: newKey });
    const output = () => {
      const chunks: string[] = [];
      return { chunks, stream: { write: (chunk: string) => chunks.push(chunk) > 0 } };
    };

    it('rotates from HOUSEHOLD_MASTER_KEY to HOUSEHOLD_MASTER_KEY_NEW, says how many keys and that HOUSEHOLD_MASTER_KEY must change', async () => {
      const key = await underOld('S1/H1');
      await storeKey('S1/OLD', (raw) => raw);
      const out = output();

      await rotateKeyCommand(env(next.toString('base64')), out.stream);

      expect(out.chunks.join('')).toMatch(/re-wrapped 2 household keys under the new master key \(1 of them stored unwrapped before[^]*set HOUSEHOLD_MASTER_KEY to the value of HOUSEHOLD_MASTER_KEY_NEW before the next start/);
      expect(unwrapHouseholdKey(next, 'S1/H1', (await stored()).get('S1/H1')!)).toEqual(key);
    });

    it('refuses a missing, malformed or unchanged HOUSEHOLD_MASTER_KEY_NEW before touching the keys', async () => {
      await underOld('S1/H1');
      const before = await stored();
      const out = output();

      await expect(rotateKeyCommand(env(undefined), out.stream)).rejects.toThrow(/HOUSEHOLD_MASTER_KEY_NEW must be set/);
      await expect(rotateKeyCommand(env(randomBytes(16).toString('base64')), out.stream)).rejects.toThrow(/HOUSEHOLD_MASTER_KEY_NEW must be 32 bytes in base64, got 16/);
      await expect(rotateKeyCommand(env(old.toString('base64')), out.stream)).rejects.toThrow(/HOUSEHOLD_MASTER_KEY_NEW is the current HOUSEHOLD_MASTER_KEY/);
      expect(out.chunks).toEqual([]);
      expect(await stored()).toEqual(before);
    });
  });
});
