import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type pg from 'pg';
import { AuthModule, DatabaseModule, HealthModule } from '@app/platform';
import { CyclesModule } from './cycles/cycles.module.js';

/** The evaluation service (评估): cycles, four-party scores, grades, reports; its own schema. */
@Module({})
export class EvaluationModule {
  static register(pool: pg.Pool): DynamicModule {
    return {
      module: EvaluationModule,
      imports: [DatabaseModule.forPool(pool), CqrsModule.forRoot(), HealthModule, AuthModule.forRoot(), CyclesModule],
    };
  }
}
