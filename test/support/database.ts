import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool, dropDatabase, ensureDatabase, migrate, type Migration } from '@app/database';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through `npm test`');
  return url;
}

/** A fresh database for one test file, migrated with the given steps; dropped by `drop()`. */
export async function createTestDatabase(migrations: readonly Migration[]): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const url = await ensureDatabase(server, name);
  const pool = createPool(url, 20);
  await migrate(pool, migrations);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await dropDatabase(server, name);
    },
  };
}
