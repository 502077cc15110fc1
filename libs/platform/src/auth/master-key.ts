import { createHash } from 'node:crypto';

/**
 * The key household keys are wrapped under (HOUSEHOLD_MASTER_KEY, 32 bytes in base64), kept outside
 * the database: a copy of the database alone opens no contact. Without it, outside production, a
 * DEV-ONLY key anybody can recompute; in production its absence stops the process.
 */
export function householdMasterKeyFromEnv(env: NodeJS.ProcessEnv = process.env): { key: Buffer; devOnly: boolean } {
  const text = env.HOUSEHOLD_MASTER_KEY;
  if (text) return { key: parseHouseholdMasterKey('HOUSEHOLD_MASTER_KEY', text), devOnly: false };
  if (env.NODE_ENV === 'production') throw new Error('HOUSEHOLD_MASTER_KEY must be set in production (32 bytes, base64)');
  return { key: createHash('sha256').update('socialwork-DEV-ONLY-household-master-key').digest(), devOnly: true };
}

/**
 * A master key as configured: 32 bytes in base64, refused naming `variable` otherwise. The one rule
 * for HOUSEHOLD_MASTER_KEY and for the new key of a rotation (HOUSEHOLD_MASTER_KEY_NEW), which is
 * HOUSEHOLD_MASTER_KEY once the rotation is done.
 */
export function parseHouseholdMasterKey(variable: string, text: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`${variable} must be 32 bytes in base64, got ${key.length} bytes`);
  return key;
}

let cached: { key: Buffer; devOnly: boolean } | undefined;

/** The process's master key, read from its environment once (at start by `npm start`, which reports a DEV-ONLY one). */
export function householdMasterKey(): { key: Buffer; devOnly: boolean } {
  cached ??= householdMasterKeyFromEnv();
  return cached;
}
