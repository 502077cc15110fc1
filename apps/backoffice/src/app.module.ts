import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type pg from 'pg';
import { AuthModule, DatabaseModule, HealthModule } from '@app/platform';
import { IndicatorsModule } from './indicators/index.js';
import { RecordingApiModule } from './recording/recording-api.module.js';
import { ImportsModule } from './imports/imports.module.js';
import { RelayModule } from './relay/index.js';

/** The backoffice: takes commands (recording services) and answers queries (indicators). */
@Module({})
export class BackofficeModule {
  static register(pool: pg.Pool): DynamicModule {
    return {
      module: BackofficeModule,
      imports: [DatabaseModule.forPool(pool), CqrsModule.forRoot(), HealthModule, AuthModule.forRoot({ personalDataEndpoints: true }), IndicatorsModule, RecordingApiModule, ImportsModule, RelayModule],
    };
  }
}
