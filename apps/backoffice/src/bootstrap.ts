import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import { createHttpApp } from '@app/platform';
import { BackofficeModule } from './app.module.js';

export async function createBackofficeApp(pool: pg.Pool): Promise<NestFastifyApplication> {
  return createHttpApp(BackofficeModule.register(pool), {
    title: 'Social-work stations back office (社工站)',
    description: 'Records services as events and answers indicator queries (指标, 达成率).',
  });
}
