import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { createEvaluationApp } from '../../apps/evaluation/src/bootstrap.js';

/** Both apps as they run (auth switched on), listening on a free port. */
export async function startApps(
  pool: pg.Pool,
): Promise<{ backoffice: string; evaluation: string; apps: { backoffice: NestFastifyApplication; evaluation: NestFastifyApplication }; close(): Promise<void> }> {
  const apps: NestFastifyApplication[] = [await createBackofficeApp(pool), await createEvaluationApp(pool)];
  for (const app of apps) await app.listen(0, '127.0.0.1');
  const [backoffice, evaluation] = await Promise.all(apps.map((app) => app.getUrl()));
  return {
    backoffice: backoffice!,
    evaluation: evaluation!,
    apps: { backoffice: apps[0]!, evaluation: apps[1]! },
    close: async () => void (await Promise.all(apps.map((app) => app.close()))),
  };
}
