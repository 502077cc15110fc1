import { randomBytes } from 'node:crypto';
import { householdMasterKeyFromEnv } from './master-key.js';

describe('householdMasterKeyFromEnv', () => {
  it('takes HOUSEHOLD_MASTER_KEY as 32 bytes of base64', () => {
    const key = randomBytes(32);
    expect(householdMasterKeyFromEnv({ HOUSEHOLD_MASTER_KEY: key.toString('base64') })).toEqual({ key, devOnly: false });
  });

  it('refuses a key of another length, naming the variable', () => {
    expect(() => householdMasterKeyFromEnv({ HOUSEHOLD_MASTER_KEY: randomBytes(16).toString('base64') })).toThrow(/HOUSEHOLD_MASTER_KEY must be 32 bytes.*got 16/);
  });

  it('stops a production process that has none', () => {
    expect(() => householdMasterKeyFromEnv({ NODE_ENV: 'production' })).toThrow(/HOUSEHOLD_MASTER_KEY must be set in production/);
  });

  it('falls back to a DEV-ONLY key elsewhere, the same in every process, and says so', () => {
    const first = householdMasterKeyFromEnv({});
    expect(first.devOnly).toBe(true);
    expect(first.key).toHaveLength(32);
    expect(householdMasterKeyFromEnv({ NODE_ENV: 'test' }).key).toEqual(first.key);
  });
});
