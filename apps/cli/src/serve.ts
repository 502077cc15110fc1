import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import { createPool, migrate, resolveDatabase } from '@app/database';
import { checkHouseholdMasterKey, DEFAULT_SECRET_FILE, householdMasterKey, wrapLegacyHouseholdKeys } from '@app/platform';
import { createBackofficeApp } from '../../backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../backoffice/src/migrations.js';
import { createEvaluationApp } from '../../evaluation/src/bootstrap.js';
import { RecordingService } from '../../backoffice/src/recording/recording.service.js';
import { loadDemoOnFirstStart } from './demo.js';

/**
 * `npm start`: everything one machine needs. The database is DATABASE_URL or the embedded one;
 * the backoffice listens on PORT (3000), the evaluation service on EVALUATION_PORT (PORT + 1).
 */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const database = await resolveDatabase(env);
  const pool = createPool(database.url, Number(env.PG_POOL_SIZE ?? 20));
  const apps: NestFastifyApplication[] = [];
  /** In order (apps use the pool, the pool the server), each step whatever the ones before did: a failed close must not leave the embedded server running. */
  const release = async () => {
    const steps = [...apps.reverse().map((app) => () => app.close()), () => pool.end(), async () => database.embedded?.stop()];
    let failure: unknown;
    for (const step of steps) await step().catch((error: unknown) => (failure ??= error));
    if (failure !== undefined) throw failure;
  };
  try {
    await start(env, pool, apps, Boolean(database.embedded));
  } catch (error) {
    // A start-up refused (a wrong master key, a port in use) leaves no connection or server behind.
    await release().catch(() => undefined);
    throw error;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    await release();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Migrates, checks the keys, loads the demo on a first start and listens; every app started is pushed on `apps`. */
async function start(env: NodeJS.ProcessEnv, pool: pg.Pool, apps: NestFastifyApplication[], embedded: boolean): Promise<void> {
  await migrate(pool, backofficeMigrations);
  // Read before anything is served (the key every household key is wrapped under): in production a missing one stops here.
  const master = householdMasterKey();
  // Before legacy keys are wrapped: a key the stored keys are not under (one a rotation replaced) stops here, wrapping nothing.
  await checkHouseholdMasterKey(pool, master.key);
  const wrapped = await wrapLegacyHouseholdKeys(pool);
  const port = Number(env.PORT ?? 3000);
  const backoffice = await createBackofficeApp(pool);
  apps.push(backoffice);
  const demo = await loadDemoOnFirstStart(env, embedded, pool, backoffice.get(RecordingService, { strict: false }));
  await backoffice.listen(port, env.HOST ?? '127.0.0.1');
  const evaluation = await createEvaluationApp(pool);
  apps.push(evaluation);
  await evaluation.listen(Number(env.EVALUATION_PORT ?? port + 1), env.HOST ?? '127.0.0.1');
  console.log(`backoffice  ${await backoffice.getUrl()}  (API docs: /docs)`);
  console.log(`evaluation  ${await evaluation.getUrl()}  (API docs: /docs)`);
  console.log(`database    ${embedded ? 'embedded PostgreSQL in .data/postgres' : 'DATABASE_URL'}`);
  console.log(`access      every API but /health and /docs needs a bearer token; an administrator's: npm run -s cli -- token --role city_admin`);
  if (!env.AUTH_JWT_SECRET) console.log(`            (signed with the demo key generated in ${env.AUTH_JWT_SECRET_FILE ?? DEFAULT_SECRET_FILE}; set AUTH_JWT_SECRET to use your own)`);
  if (master.devOnly) console.log(`keys        HOUSEHOLD_MASTER_KEY is not set: household keys are wrapped under a DEV-ONLY key anybody can recompute`);
  if (wrapped > 0) console.log(`keys        ${wrapped} household keys stored before wrapping were wrapped under the master key`);
  if (demo) console.log(`demo data   元岗街 2023 and 三元里街 2025: ${demo.accepted} records loaded, ${demo.rejected.length} refused (DEMO_DATA=off skips)`);
}
