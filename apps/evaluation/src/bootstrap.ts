import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import { migrate } from '@app/database';
import { createHttpApp } from '@app/platform';
import { EvaluationModule } from './app.module.js';
import { evaluationMigrations } from './migrations.js';

export async function createEvaluationApp(pool: pg.Pool): Promise<NestFastifyApplication> {
  // The service owns its schema: it migrates it itself, whoever starts it (npm start, tests).
  await migrate(pool, evaluationMigrations);
  return createHttpApp(EvaluationModule.register(pool), {
    title: 'Social-work station evaluation service (评估)',
    description: 'Evaluation cycles, four-party scores (55/20/15/10), grades, reports and the audit trail.',
  });
}
