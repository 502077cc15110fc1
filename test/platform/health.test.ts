import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createEvaluationApp } from '../../apps/evaluation/src/bootstrap.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe.each([
  ['backoffice', createBackofficeApp],
  ['evaluation', createEvaluationApp],
])('%s app', (_name, create) => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    app = await create(db.pool);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('answers GET /health with the database state', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: { status: 'up' } });
  });

  it('serves its OpenAPI document at /docs', async () => {
    const response = await fetch(`${base}/docs-json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { paths: Record<string, unknown> }).paths['/health']).toBeDefined();
  });

  it('answers an unknown route with a JSON 404 and no stack trace', async () => {
    const response = await fetch(`${base}/nowhere`);
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(body).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(JSON.parse(body).statusCode).toBe(404);
  });
});
