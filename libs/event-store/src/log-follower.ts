import type pg from 'pg';
import { InvalidEventError } from './errors.js';
import { EVENT_TYPE_NAME } from './types.js';

export interface FollowedEvent {
  position: number;
  type: string;
  data: unknown;
}

/**
 * A small state folded from a few event types of the log (places, contracts: read on every request,
 * written rarely), kept in memory and brought up to date incrementally — only the events after the
 * last one read — when older than `maxAgeMs` or when asked. Concurrent callers share one load.
 */
export class LogFollower<S> {
  private state: S;
  private position = 0;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private invalidatedAt = Number.NEGATIVE_INFINITY;
  private loading?: Promise<void>;
  private readonly sql: string;

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    types: readonly string[],
    initial: S,
    private readonly fold: (state: S, event: FollowedEvent) => S,
    private readonly maxAgeMs = 1000,
  ) {
    const bad = types.find((type) => !EVENT_TYPE_NAME.test(type));
    if (bad !== undefined) throw new InvalidEventError(`"${bad}" is not an event type name`);
    this.state = initial;
    // Literal type names (checked above), so a partial index on those types can serve the query.
    this.sql = `SELECT position, type, data FROM es_events WHERE type IN (${types.map((t) => `'${t}'`).join(', ')})
      AND position > $1 ORDER BY position`;
  }

  /**
   * The state, loaded again when older than the maximum age, than the last `invalidate()`, or (with
   * `refresh`) than this call. A load under way counts only if it began late enough.
   */
  async current(options: { refresh?: boolean } = {}): Promise<S> {
    const asked = performance.now();
    const due = options.refresh ? asked : Math.max(this.invalidatedAt, asked - this.maxAgeMs);
    while (this.loadedAt < due) {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      await this.loading;
    }
    return this.state;
  }

  /** Makes the next read load: a caller has just committed followed events, which its next reads must see. */
  invalidate(): void {
    this.invalidatedAt = performance.now();
  }

  /**
   * The followed events `executor` sees beyond the shared state (a transaction's own appends), for a
   * caller to fold onto a copy; the shared state never holds uncommitted events.
   */
  async beyond(executor: Pick<pg.PoolClient, 'query'>): Promise<FollowedEvent[]> {
    return (await executor.query<FollowedEvent>(this.sql, [this.position])).rows;
  }

  private async load(): Promise<void> {
    const started = performance.now();
    for (const event of await this.beyond(this.pool)) {
      this.state = this.fold(this.state, event);
      this.position = event.position;
    }
    this.loadedAt = started;
  }
}
