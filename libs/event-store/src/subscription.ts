import type pg from 'pg';
import type { PgEventStore } from './event-store.js';
import { APPENDED_CHANNEL } from './schema.js';
import type { StoredEvent } from './types.js';

/**
 * Work that consumes events in global order. `handle` runs inside the transaction that also moves
 * the checkpoint, so its effects and the checkpoint commit or roll back together: a crash never
 * applies an event twice nor loses one.
 */
export interface CheckpointedHandler {
  /** Checkpoint name; one row in es_checkpoints. */
  readonly name: string;
  /** Only these event types are read (all when absent). */
  readonly types?: readonly string[];
  handle(events: readonly StoredEvent[], tx: pg.PoolClient): Promise<void>;
}

export interface SubscriptionOptions {
  batchSize?: number;
  /** Poll interval when no notification arrives (notifications are an optimisation only). */
  pollMs?: number;
  /**
   * Wait after a notification before reading, so appends arriving close together are handled in one
   * batch (one transaction) instead of one each. Delays projections by this much, never commands.
   */
  coalesceMs?: number;
  onError?: (error: Error) => void;
}

/**
 * Reads and locks a named checkpoint (created at 0 the first time); `FOR UPDATE` keeps two runners of
 * one name from overlapping. One statement once the row exists: this runs at every wake-up.
 */
export async function lockCheckpoint(tx: pg.PoolClient, name: string): Promise<number> {
  const select = 'SELECT position FROM es_checkpoints WHERE name = $1 FOR UPDATE';
  const { rows } = await tx.query<{ position: number }>(select, [name]);
  if (rows[0]) return rows[0].position;
  await tx.query('INSERT INTO es_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING', [name]);
  return (await tx.query<{ position: number }>(select, [name])).rows[0]!.position;
}

export async function storeCheckpoint(tx: pg.PoolClient, name: string, position: number): Promise<void> {
  await tx.query('UPDATE es_checkpoints SET position = $2, updated_at = now() WHERE name = $1', [name, position]);
}

export async function readCheckpoint(pool: Pick<pg.Pool, 'query'>, name: string): Promise<number> {
  const { rows } = await pool.query<{ position: number }>('SELECT position FROM es_checkpoints WHERE name = $1', [name]);
  return rows[0]?.position ?? 0;
}

export interface SubscriptionStatus {
  name: string;
  /** Following the log (started and not stopped). */
  running: boolean;
  checkpoint: number;
  head: number;
  /** Positions committed after the checkpoint (an upper bound of the events left: positions may have gaps). */
  lag: number;
  /** Set while the subscription retries a batch it could not handle. */
  lastError: { message: string; at: string } | null;
}

/** Events read after a checkpoint (`after`), and the checkpoint once they are handled (`next`). */
interface Batch {
  after: number;
  events: readonly StoredEvent[];
  next: number;
}

/** Catch-up subscription: processes everything after its checkpoint, then follows new appends. */
export class CatchUpSubscription {
  private running = false;
  private wake?: () => void;
  /** An append was notified since the last read began: read again before sleeping. */
  private notified = false;
  private listener?: pg.PoolClient;
  private loop?: Promise<void>;
  /**
   * Why the last catch-up stopped, until one gets past it. A subscription never skips an event it
   * cannot handle (a projection's figures would silently go wrong): it retries, and says so here.
   */
  private failure?: { message: string; at: Date };

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: PgEventStore,
    private readonly handler: CheckpointedHandler,
    private readonly options: SubscriptionOptions = {},
  ) {}

  /** One transaction: read a batch after the checkpoint, handle it, move the checkpoint. */
  async processBatch(): Promise<number> {
    return (await this.process()).events.length;
  }

  /**
   * `processBatch`, using `ahead` (a batch read beforehand on another connection) when it starts at
   * the checkpoint found, and with `readNext` reading the following batch while this one is handled.
   */
  private async process(ahead?: Promise<Batch>, readNext = false): Promise<Batch & { ahead?: Promise<Batch> }> {
    const client = await this.pool.connect();
    // A connection dropped mid-batch surfaces as the failed query below; this keeps the client's
    // 'error' event from becoming an unhandled one.
    const swallow = () => undefined;
    client.on('error', swallow);
    let broken: Error | undefined;
    let next: Promise<Batch> | undefined;
    try {
      await client.query('BEGIN');
      const after = await lockCheckpoint(client, this.handler.name);
      const early = await ahead?.catch(() => undefined);
      const batch = early?.after === after ? early : await this.read(client, after);
      // Events are immutable and positions follow commit order, so the batch after this one can be
      // read on another connection while this one is handled: it is checked against the checkpoint
      // when its turn comes.
      if (readNext && batch.events.length === this.limit) {
        next = this.readOnPool(batch.next);
        next.catch(() => undefined);
      }
      if (batch.events.length > 0) await this.handler.handle(batch.events, client);
      if (batch.next !== after) await storeCheckpoint(client, this.handler.name, batch.next);
      await client.query('COMMIT');
      return { ...batch, ahead: next };
    } catch (error) {
      broken = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', swallow);
      // A client that failed mid-transaction is discarded rather than handed to the next caller.
      client.release(broken);
    }
  }

  private get limit(): number {
    return this.options.batchSize ?? 1000;
  }

  /** The events after `after` and where the checkpoint goes once they are handled. */
  private async read(executor: pg.PoolClient, after: number): Promise<Batch> {
    const { events, next } = await this.store.readPage({ after, limit: this.limit, types: this.handler.types }, executor);
    return { after, events, next };
  }

  private async readOnPool(after: number): Promise<Batch> {
    const client = await this.pool.connect();
    try {
      const batch = await this.read(client, after);
      client.release();
      return batch;
    } catch (error) {
      // A client that failed mid-read is discarded rather than handed to the next caller.
      client.release(error as Error);
      throw error;
    }
  }

  /**
   * Processes until nothing is left, or until `stopped()` says so between batches (stopping must not
   * wait for a whole history); returns how many events were handled. A batch shorter than the limit
   * read everything committed when it ran, so it is the last (no empty transaction after it). Each
   * full batch's successor is read while it is handled.
   */
  async catchUp(stopped: () => boolean = () => false): Promise<number> {
    let total = 0;
    let ahead: Promise<Batch> | undefined;
    try {
      for (;;) {
        const batch = await this.process(ahead, true);
        total += batch.events.length;
        if (batch.events.length < this.limit) break;
        ahead = batch.ahead;
        if (stopped()) {
          // The read ahead holds a pool connection until it ends.
          await ahead?.catch(() => undefined);
          break;
        }
      }
    } catch (error) {
      this.failure = { message: (error as Error).message, at: new Date() };
      throw error;
    }
    this.failure = undefined;
    return total;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.listener = await this.pool.connect();
    this.listener.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    await this.listener.query(`LISTEN ${APPENDED_CHANNEL}`);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.notified = false;
      try {
        await this.catchUp(() => !this.running);
      } catch (error) {
        this.options.onError?.(error as Error);
      }
      if (!this.running) break;
      if (!this.notified) await this.sleep(this.options.pollMs ?? 1000);
      if (this.running && this.notified) await this.sleep(this.options.coalesceMs ?? 10, false);
    }
  }

  /** Sleeps for `ms`, or until a notification (or stop) when `wakeable`. */
  private sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        if (!wakeable && this.running) return;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.listener) {
      await this.listener.query(`UNLISTEN ${APPENDED_CHANNEL}`).catch(() => undefined);
      this.listener.release();
      this.listener = undefined;
    }
  }

  /** Events committed but not yet handled. */
  async lag(): Promise<number> {
    return (await this.status()).lag;
  }

  /** For monitoring: where the subscription stands, what is left, and why it is stuck if it is. */
  async status(): Promise<SubscriptionStatus> {
    const [head, checkpoint] = await Promise.all([this.store.headPosition(), readCheckpoint(this.pool, this.handler.name)]);
    return {
      name: this.handler.name,
      running: this.running,
      checkpoint,
      head,
      lag: Math.max(0, head - checkpoint),
      lastError: this.failure ? { message: this.failure.message, at: this.failure.at.toISOString() } : null,
    };
  }
}
