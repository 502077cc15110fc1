import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type pg from 'pg';
import { DatabaseModule } from '@app/platform';
import { RecordingModule } from '../recording/recording.module.js';
import { RecordingService } from '../recording/recording.service.js';

@Module({})
class RecordingContextModule {
  static forPool(pool: pg.Pool): DynamicModule {
    return { module: RecordingContextModule, imports: [DatabaseModule.forPool(pool), RecordingModule] };
  }
}

/**
 * The recording side without HTTP, for the command line: the same RecordingService the API uses,
 * wired by Nest the same way, on the caller's pool (which the caller also closes).
 */
export async function openRecording(pool: pg.Pool): Promise<{ recording: RecordingService; close(): Promise<void> }> {
  const context = await NestFactory.createApplicationContext(RecordingContextModule.forPool(pool), { logger: ['error', 'warn'] });
  return { recording: context.get(RecordingService), close: () => context.close() };
}
