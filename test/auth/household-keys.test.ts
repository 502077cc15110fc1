import { newHouseholdKey, openContact, sealContact } from '@app/auth';
import { loadHouseholdKeyring, wrapLegacyHouseholdKeys } from '@app/platform';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Household keys at rest: wrapped under the master key, so the database alone opens no contact. */
describe('household keys at rest', () => {
  let db: TestDatabase;
  const contact = { name: '陈阿婆', phone: '13912345678' };
  const stored = async (subject: string): Promise<Buffer> =>
    (await db.pool.query<{ key: Buffer }>('SELECT key FROM auth.household_keys WHERE household = $1', [subject])).rows[0]!.key;

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores a new key wrapped: what the database holds does not open the contact, the keyring does', async () => {
    const keyring = await loadHouseholdKeyring(db.pool, ['S1/H1']);
    const sealed = keyring.protect('S1/H1', contact)!;
    const row = await stored('S1/H1');
    expect(row).toHaveLength(61);
    expect(() => openContact(row.subarray(-32), 'S1/H1', sealed)).toThrow(expect.objectContaining({ code: 'contact_unreadable' }));
    expect((await loadHouseholdKeyring(db.pool, ['S1/H1'], false)).open('S1/H1', sealed)).toEqual(contact);
  });

  it('wraps a key stored before keys were wrapped, and what it sealed still opens', async () => {
    const legacy = newHouseholdKey();
    await db.pool.query('INSERT INTO auth.household_keys (household, key) VALUES ($1, $2)', ['S1/OLD', legacy]);
    const sealed = sealContact(legacy, 'S1/OLD', contact);
    expect((await loadHouseholdKeyring(db.pool, ['S1/OLD'], false)).open('S1/OLD', sealed)).toEqual(contact);

    expect(await wrapLegacyHouseholdKeys(db.pool)).toBe(1);
    const row = await stored('S1/OLD');
    expect(row).toHaveLength(61);
    expect(row.includes(legacy.subarray(0, 8))).toBe(false);
    expect((await loadHouseholdKeyring(db.pool, ['S1/OLD'], false)).open('S1/OLD', sealed)).toEqual(contact);
    expect(await wrapLegacyHouseholdKeys(db.pool)).toBe(0);
  });

  it('refuses a stored key of any other form', async () => {
    await expect(db.pool.query('INSERT INTO auth.household_keys (household, key) VALUES ($1, $2)', ['S1/BAD', Buffer.alloc(40)])).rejects.toThrow(/household_keys_key_form/);
  });
});
