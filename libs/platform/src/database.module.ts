import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import type pg from 'pg';
import { PgEventStore, type EventStoreOptions } from '@app/event-store';
import { EVENT_STORE, PG_POOL } from './tokens.js';

class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Hands the app's pool and event store to every module. The pool is created (and the schema
 * migrated) before Nest starts, so nothing in the container waits on the database.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forPool(pool: pg.Pool, options: EventStoreOptions & { closePoolOnShutdown?: boolean } = {}): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: PG_POOL, useValue: pool },
        { provide: EVENT_STORE, useValue: new PgEventStore(pool, options) },
        ...(options.closePoolOnShutdown ? [PoolCloser] : []),
      ],
      exports: [PG_POOL, EVENT_STORE],
    };
  }
}
