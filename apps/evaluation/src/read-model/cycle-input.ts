import type pg from 'pg';
import type { StoredEvent } from '@app/event-store';
import { CYCLE_EVENT_TYPES, evolve, initialCycleState, type CycleEvent, type CycleState } from '@app/evaluation';
import type { OwnEventsInput } from './own-events.js';

/**
 * The cycles' read model: each cycle's state (the domain's own `evolve` over its stream) and the audit
 * trail, one row per event with its actor, time and log position, inserted and never updated.
 */
export const cycleInput: OwnEventsInput = {
  name: 'evaluation-cycles',
  types: CYCLE_EVENT_TYPES,
  async apply(events: readonly StoredEvent[], tx: pg.PoolClient): Promise<void> {
    const states = new Map<string, CycleState>();
    for (const event of events) {
      const cycleId = event.streamId.replace(/^evaluation-cycle-/, '');
      let state = states.get(cycleId);
      if (!state) {
        const { rows } = await tx.query<{ state: CycleState }>('SELECT state FROM evaluation.cycles WHERE id = $1', [cycleId]);
        state = rows[0]?.state ?? initialCycleState();
      }
      if (event.streamVersion !== state.version + 1) {
        throw new Error(`cycle ${cycleId}: event version ${event.streamVersion} does not follow read-model version ${state.version}`);
      }
      state = evolve(state, { type: event.type, data: event.data } as CycleEvent);
      states.set(cycleId, state);
      await tx.query(
        `INSERT INTO evaluation.trail (cycle_id, version, position, event_id, type, actor, recorded_at, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [cycleId, event.streamVersion, event.position, event.eventId, event.type, event.metadata.actor, event.recordedAt, JSON.stringify(event.data)],
      );
    }
    for (const [id, state] of states) {
      await tx.query(
        `INSERT INTO evaluation.cycles (id, station, kind, stage, version, state) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, version = excluded.version, state = excluded.state`,
        [id, state.subject!.station.code, state.kind, state.stage, state.version, JSON.stringify(state)],
      );
    }
  },
};
