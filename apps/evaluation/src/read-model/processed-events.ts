import type pg from 'pg';

/**
 * How long a consumer group's processed event ids are kept. They exist only to turn a re-delivery
 * into a no-op, and an event is delivered again only near where its consumer stands:
 * - the PostgreSQL transport and the cycle events never re-deliver below their checkpoint (it
 *   commits in the same transaction as the ids; a rebuild empties both);
 * - Kafka re-delivers a partition's batches after its committed offset (one batch: offsets commit
 *   right after the work), and the relay, after a crash, events it published last.
 * So an id is dropped only when its event lies more than `positions` below the group's position
 * (covers the relay's re-publishing) and it was processed more than `minAgeMs` ago (covers a Kafka
 * partition that is behind the others, whose last batch may lie far below the group's position).
 */
export interface ProcessedRetention {
  positions: number;
  minAgeMs: number;
}

export const PROCESSED_RETENTION: ProcessedRetention = { positions: 100_000, minAgeMs: 3_600_000 };

/** Rows deleted per statement: pruning a long backlog never holds one long transaction. */
const SLICE = 10_000;

/**
 * Deletes the group's processed ids that can no longer be re-delivered (see ProcessedRetention):
 * `position` is where the group stands (its checkpoint; on Kafka the furthest position it has
 * applied). Returns the count.
 */
export async function pruneProcessedEvents(pool: Pick<pg.Pool, 'query'>, group: string, position: number, retention: ProcessedRetention): Promise<number> {
  const below = position - retention.positions;
  if (below <= 0) return 0;
  let pruned = 0;
  for (;;) {
    // The oldest first (index on processed_at): ids that old are mostly below the bound as well.
    const { rowCount } = await pool.query(
      `DELETE FROM evaluation.processed_events
        WHERE group_id = $1 AND event_id IN (
          SELECT p.event_id FROM evaluation.processed_events p JOIN es_events e ON e.event_id = p.event_id
           WHERE p.group_id = $1 AND p.processed_at < now() - make_interval(secs => $3 / 1000.0) AND e.position < $2
           ORDER BY p.processed_at LIMIT $4)`,
      [group, below, retention.minAgeMs, SLICE],
    );
    pruned += rowCount ?? 0;
    if ((rowCount ?? 0) < SLICE) return pruned;
  }
}
