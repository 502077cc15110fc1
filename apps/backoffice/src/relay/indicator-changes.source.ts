import type pg from 'pg';
import { inTransaction } from '@app/database';
import { INDICATOR_CHANGES_TOPIC, type IndicatorChange, type RelaySource } from '@app/messaging';

interface ChangeRow {
  id: number;
  position: number;
  event_id: string;
  recorded_at: Date;
  definition_id: number;
  definition_version: number;
  indicator: string;
  district: string;
  station: string;
  area: string | null;
  community: string;
  occurred_on: string;
  delta: number;
  record_id: string;
}

/**
 * The indicator projection's change history (ind_changes, written by apps/backoffice/src/indicators)
 * as socialwork.indicator-changes.v1, one message per change, keyed by its scope.
 *
 * The main projection and a rebuild of a new definition version write ind_changes concurrently, so
 * ids do not commit in order. A SHARE lock for the read waits until every transaction that is
 * inserting has committed and holds new inserts back for that one query: the rows read are then
 * all the rows below the highest id read, and reading "after N" never skips a late commit.
 */
export function indicatorChangesSource(pool: pg.Pool, topic: string = INDICATOR_CHANGES_TOPIC): RelaySource {
  return {
    topic,
    read: (after, limit) =>
      inTransaction(pool, async (tx) => {
        await tx.query('LOCK TABLE ind_changes IN SHARE MODE');
        const { rows } = await tx.query<ChangeRow>(
          `SELECT c.id, c.position, c.event_id, c.recorded_at, c.definition_id, d.version AS definition_version, c.indicator,
                  c.district, c.station, c.area, c.community, to_char(c.occurred_on, 'YYYY-MM-DD') AS occurred_on, c.delta, c.record_id
             FROM ind_changes c JOIN ind_definitions d ON d.id = c.definition_id
            WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
          [after, limit],
        );
        const messages = rows.map((row) => {
          const value = toMessage(row);
          return { position: row.id, key: value.scope, value: JSON.stringify(value), headers: { changeId: String(row.id) } };
        });
        return { messages, next: rows.at(-1)?.id ?? after };
      }),
    head: async () => (await pool.query<{ id: number | null }>('SELECT max(id) AS id FROM ind_changes')).rows[0]!.id ?? 0,
  };
}

/** The actor and the correction's free-text reason stay in the back office: they can name people. */
function toMessage(row: ChangeRow): IndicatorChange {
  return {
    changeId: row.id,
    indicator: row.indicator,
    definitionId: row.definition_id,
    definitionVersion: row.definition_version,
    scope: `community:${row.station}/${row.community}`,
    district: row.district,
    station: row.station,
    area: row.area,
    community: row.community,
    occurredOn: row.occurred_on,
    delta: row.delta,
    position: row.position,
    eventId: row.event_id,
    recordId: row.record_id,
    recordedAt: row.recorded_at.toISOString(),
  };
}
