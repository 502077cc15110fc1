import { Module, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import { AuthModule, createHttpApp } from '@app/platform';
import { BackofficeModule } from '../../apps/backoffice/src/app.module.js';
import { EvaluationModule } from '../../apps/evaluation/src/app.module.js';

@Module({})
class WithAuth {
  static wrap(inner: DynamicModule, personalDataEndpoints: boolean): DynamicModule {
    return { module: WithAuth, imports: [inner, AuthModule.forRoot({ personalDataEndpoints })] };
  }
}

/** Both apps as they run, with the auth module switched on, listening on a free port. */
export async function startApps(
  pool: pg.Pool,
): Promise<{ backoffice: string; evaluation: string; apps: { backoffice: NestFastifyApplication; evaluation: NestFastifyApplication }; close(): Promise<void> }> {
  const apps: NestFastifyApplication[] = [
    await createHttpApp(WithAuth.wrap(BackofficeModule.register(pool), true), { title: 'backoffice', description: '' }),
    await createHttpApp(WithAuth.wrap(EvaluationModule.register(pool), false), { title: 'evaluation', description: '' }),
  ];
  for (const app of apps) await app.listen(0, '127.0.0.1');
  const [backoffice, evaluation] = await Promise.all(apps.map((app) => app.getUrl()));
  return {
    backoffice: backoffice!,
    evaluation: evaluation!,
    apps: { backoffice: apps[0]!, evaluation: apps[1]! },
    close: async () => void (await Promise.all(apps.map((app) => app.close()))),
  };
}
