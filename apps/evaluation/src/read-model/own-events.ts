import type pg from 'pg';
import { CatchUpSubscription, type PgEventStore, type StoredEvent } from '@app/event-store';

/** A reader of the service's own events (cycle streams), checkpointed under `name`. */
export interface OwnEventsInput {
  readonly name: string;
  readonly types: readonly string[];
  /** Applies events not seen before, in log order, inside the checkpoint's transaction. */
  apply(events: readonly StoredEvent[], tx: pg.PoolClient): Promise<void>;
}

/**
 * The service's own events are read straight from the event store they are appended to, with their
 * metadata: the audit trail needs the actor, which the analytics feed does not carry. De-duplication
 * uses the consumer's processed-ids table (group = the input's name), in the same transaction as
 * the effects and the checkpoint: an event delivered again is skipped.
 */
export class OwnEventsConsumer {
  private readonly subscription: CatchUpSubscription;

  constructor(pool: pg.Pool, store: PgEventStore, readonly input: OwnEventsInput, onError: (error: Error) => void) {
    this.subscription = new CatchUpSubscription(
      pool,
      store,
      {
        name: input.name,
        types: input.types,
        handle: async (events, tx) => {
          const fresh = await unseen(input.name, events, tx);
          if (fresh.length > 0) await input.apply(fresh, tx);
        },
      },
      // Cycle commands catch up themselves before answering (read-your-writes); the background loop
      // only brings in other instances' cycle events, and wakes at every append of any kind.
      { onError, coalesceMs: 200 },
    );
  }

  catchUp(): Promise<number> {
    return this.subscription.catchUp();
  }

  start(): Promise<void> {
    return this.subscription.start();
  }

  stop(): Promise<void> {
    return this.subscription.stop();
  }
}

async function unseen(group: string, events: readonly StoredEvent[], tx: pg.PoolClient): Promise<StoredEvent[]> {
  const { rows } = await tx.query<{ event_id: string }>(
    `INSERT INTO evaluation.processed_events (group_id, event_id)
     SELECT $1, * FROM unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
    [group, events.map((e) => e.eventId)],
  );
  const fresh = new Set(rows.map((r) => r.event_id));
  return events.filter((e) => fresh.has(e.eventId));
}
