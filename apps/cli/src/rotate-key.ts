import { createPool, migrate, resolveDatabase } from '@app/database';
import { householdMasterKeyFromEnv, parseHouseholdMasterKey, rotateHouseholdMasterKey } from '@app/platform';
import { backofficeMigrations } from '../../backoffice/src/migrations.js';

/**
 * `npm run cli -- rotate-master-key`: re-wraps every household key from the process's master key
 * (HOUSEHOLD_MASTER_KEY) to HOUSEHOLD_MASTER_KEY_NEW, all or nothing. Meant for stopped services: once
 * it commits, a process still on the old key can no longer read the household keys, and keys it makes
 * are under the old key (running the rotation again moves them).
 */
export async function rotateKeyCommand(env: NodeJS.ProcessEnv = process.env, stdout: Pick<NodeJS.WritableStream, 'write'> = process.stdout): Promise<void> {
  const old = householdMasterKeyFromEnv(env);
  if (!env.HOUSEHOLD_MASTER_KEY_NEW) throw new Error('HOUSEHOLD_MASTER_KEY_NEW must be set to the new master key (32 bytes in base64, e.g. `openssl rand -base64 32`)');
  const next = parseHouseholdMasterKey('HOUSEHOLD_MASTER_KEY_NEW', env.HOUSEHOLD_MASTER_KEY_NEW);
  // Checked here, not by the rotation (for which it is a harmless no-op): it is the operator's mistake of setting the new value.
  if (next.equals(old.key)) throw new Error('HOUSEHOLD_MASTER_KEY_NEW is the current HOUSEHOLD_MASTER_KEY: nothing to rotate');
  const database = await resolveDatabase(env);
  const pool = createPool(database.url, 1);
  try {
    await migrate(pool, backofficeMigrations);
    const { rewrapped, legacy, alreadyNew } = await rotateHouseholdMasterKey(pool, old.key, next);
    stdout.write(
      `re-wrapped ${rewrapped + legacy} household keys under the new master key (${legacy} of them stored unwrapped before)` +
        `${old.devOnly ? ' from the DEV-ONLY key (HOUSEHOLD_MASTER_KEY is not set)' : ''}; ${alreadyNew} already under it, left as they were\n` +
        'set HOUSEHOLD_MASTER_KEY to the value of HOUSEHOLD_MASTER_KEY_NEW before the next start: the household keys no longer open with the old key\n',
    );
  } finally {
    await pool.end();
    await database.embedded?.stop();
  }
}
