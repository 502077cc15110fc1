import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import { createHttpApp } from '@app/platform';
import { EvaluationModule } from './app.module.js';

export async function createEvaluationApp(pool: pg.Pool): Promise<NestFastifyApplication> {
  return createHttpApp(EvaluationModule.register(pool), {
    title: 'Social-work station evaluation service (评估)',
    description: 'Evaluation cycles, four-party scores (55/20/15/10), grades, reports and the audit trail.',
  });
}
