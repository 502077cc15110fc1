import { Controller, Get, Inject, HttpException, HttpStatus } from '@nestjs/common';
import { ApiTags, ApiOkResponse } from '@nestjs/swagger';
import type pg from 'pg';
import { PG_POOL } from './tokens.js';
import { Public } from './auth/decorators.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Up when the database answers; 503 with the reason otherwise. */
  @Get()
  @ApiOkResponse({ description: '{ status: "ok", database: { status: "up", latencyMs } }' })
  async health(): Promise<{ status: string; database: { status: string; latencyMs?: number; error?: string } }> {
    const started = performance.now();
    try {
      await this.pool.query('SELECT 1');
      return { status: 'ok', database: { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 } };
    } catch (error) {
      throw new HttpException(
        { status: 'error', database: { status: 'down', error: (error as Error).message } },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
  }
}
