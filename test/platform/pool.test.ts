import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe("the platform's connection pools", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase([]);
  });
  afterAll(async () => db?.drop());

  it('run their sessions without JIT compilation, and read bigint as numbers', async () => {
    const { rows } = await db.pool.query<{ jit: string; big: unknown }>("SELECT current_setting('jit') AS jit, 9007199254740991::bigint AS big");
    expect(rows[0]).toEqual({ jit: 'off', big: 9007199254740991 });
  });
});
