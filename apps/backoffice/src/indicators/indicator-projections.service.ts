import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type pg from 'pg';
import type { PgEventStore, SubscriptionStatus } from '@app/event-store';
import { EVENT_STORE, PG_POOL } from '@app/platform';
import { IndicatorProjections } from './indicator-projections.js';

/** Runs the indicator projections for the app's lifetime (INDICATOR_PROJECTIONS=off: queries only). */
@Injectable()
export class IndicatorProjectionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('IndicatorProjections');
  readonly projections: IndicatorProjections;

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) store: PgEventStore,
  ) {
    this.projections = new IndicatorProjections(pool, store, {
      pollMs: Number(process.env.INDICATOR_POLL_MS ?? 1000),
      // Commands arriving within this much share one projection batch: under load, a handful of
      // transactions a second instead of one per command or two. Indicators lag by about that.
      coalesceMs: Number(process.env.INDICATOR_COALESCE_MS ?? 50),
      onError: (error) => this.logger.error(`indicator projection: ${error.message}`),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (process.env.INDICATOR_PROJECTIONS !== 'off') await this.projections.start();
  }

  /** Before any shutdown hook may end the pool: the subscription's listener connection goes back first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.projections.stop();
  }

  /** The main projection's checkpoint, lag and the error it is stuck on, if any (it halts rather than skip an event). */
  status(): Promise<SubscriptionStatus> {
    return this.projections.main.status();
  }

  define(input: unknown, change: boolean) {
    return this.projections.define(input, change);
  }

  async list() {
    const { rows } = await this.pool.query(
      `SELECT code, version, state, definition, created_at AS "createdAt", activated_at AS "activatedAt"
         FROM ind_definitions ORDER BY sort_order, code, version`,
    );
    return rows;
  }
}
