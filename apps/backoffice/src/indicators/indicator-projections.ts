import type pg from 'pg';
import { inTransaction } from '@app/database';
import { CatchUpSubscription, lockCheckpoint, type CheckpointedHandler, type PgEventStore } from '@app/event-store';
import { conflict, notFound } from '@app/kernel';
import { validateDefinition } from '@app/indicators';
import { buildProjectionName, IndicatorProjectionHandler, loadDefinitions, MAIN_PROJECTION } from './projection.handler.js';

export interface ProjectionOptions {
  batchSize?: number;
  pollMs?: number;
  coalesceMs?: number;
  onError?: (error: Error) => void;
}

/**
 * The indicator projections of one process: the main one (every active definition) and one build
 * per definition version being recomputed beside its active predecessor. Plain TypeScript so the CLI
 * rebuild and the benchmark drive the same code the Nest module starts.
 */
export class IndicatorProjections {
  readonly main: CatchUpSubscription;
  private readonly builds = new Map<number, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: PgEventStore,
    private readonly options: ProjectionOptions = {},
  ) {
    this.main = new CatchUpSubscription(pool, store, new IndicatorProjectionHandler(MAIN_PROJECTION, { active: true }), {
      batchSize: options.batchSize ?? 5000,
      ...options,
    });
  }

  /** Follows the log, and resumes builds an earlier process left unfinished. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.main.start();
    await this.resumeBuilds();
  }

  private async resumeBuilds(): Promise<void> {
    const { rows } = await this.pool.query<{ id: number }>("SELECT id FROM ind_definitions WHERE state = 'building'");
    for (const { id } of rows) this.startBuild(id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.main.stop();
    await Promise.allSettled(this.builds.values());
  }

  /**
   * Adds a definition (new code) or changes one (existing code): stored as a new version in state
   * 'building' and computed from the events in the background; queries keep the active version
   * until the new one has caught up.
   */
  async define(input: unknown, change: boolean): Promise<{ id: number; code: string; version: number; state: 'building' }> {
    const definition = validateDefinition(input);
    const { id, version } = await inTransaction(this.pool, async (client) => {
      await client.query('LOCK TABLE ind_definitions IN SHARE ROW EXCLUSIVE MODE');
      const { rows } = await client.query<{ state: string; version: number; sort_order: number }>(
        'SELECT state, version, sort_order FROM ind_definitions WHERE code = $1 ORDER BY version DESC',
        [definition.code],
      );
      const active = rows.find((r) => r.state === 'active');
      if (rows.some((r) => r.state === 'building')) throw conflict('definition_building', `indicator ${definition.code} is already being rebuilt`);
      if (change && !active) throw notFound('unknown_indicator', `no active indicator ${definition.code} to change`);
      if (!change && active) throw conflict('indicator_exists', `indicator ${definition.code} exists: change it with PUT`);
      const next = (rows[0]?.version ?? 0) + 1;
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO ind_definitions (code, version, state, definition, sort_order)
         VALUES ($1, $2, 'building', $3, coalesce($4, (SELECT coalesce(max(sort_order), 0) + 1 FROM ind_definitions))) RETURNING id`,
        [definition.code, next, JSON.stringify(definition), active?.sort_order ?? null],
      );
      return { id: inserted.rows[0]!.id, version: next };
    });
    this.startBuild(id);
    return { id, code: definition.code, version, state: 'building' };
  }

  /** Resolves when the build of a definition version has been switched to (or failed). */
  whenBuilt(id: number): Promise<void> {
    return this.builds.get(id) ?? Promise.resolve();
  }

  private startBuild(id: number): void {
    if (this.builds.has(id)) return;
    const run = this.build(id).finally(() => this.builds.delete(id));
    run.catch((error: Error) => this.options.onError?.(error));
    this.builds.set(id, run);
  }

  /**
   * Catches the new version up, then switches once it stands where the main projection stands. A
   * rebuild retires the version and builds its successor: this build then ends, unswitched, and the
   * successor's starts here.
   */
  async build(id: number): Promise<void> {
    const handler = new IndicatorProjectionHandler(buildProjectionName(id), { id });
    const build = new CatchUpSubscription(this.pool, this.store, whileBuilding(handler, id), { batchSize: this.options.batchSize ?? 5000 });
    while (!this.stopped) {
      try {
        await build.catchUp(() => this.stopped);
      } catch (error) {
        if (!(error instanceof Superseded)) throw error;
        return this.resumeBuilds();
      }
      if (this.stopped) return;
      const outcome = await this.trySwitch(id);
      if (outcome === 'superseded') return this.resumeBuilds();
      if (outcome === 'switched') return;
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 200));
    }
  }

  /**
   * With the main checkpoint locked (the main projection waits), brings the build to exactly the
   * main position and flips the states in the same transaction: no event is counted twice or lost.
   * 'behind' when the main projection is still behind the build.
   */
  private trySwitch(id: number): Promise<'switched' | 'behind' | 'superseded'> {
    return inTransaction(this.pool, async (client) => {
      const main = await lockCheckpoint(client, MAIN_PROJECTION);
      const name = buildProjectionName(id);
      const [built] = await loadDefinitions(client, { id });
      if (built?.state !== 'building') {
        // An empty catch-up may have stored the checkpoint of a version a rebuild retired.
        await client.query('DELETE FROM es_checkpoints WHERE name = $1', [name]);
        return 'superseded';
      }
      let at = await lockCheckpoint(client, name);
      if (at > main) return 'behind';
      const handler = new IndicatorProjectionHandler(name, { id });
      for (;;) {
        const events = await this.store.readAll({ after: at, upTo: main, limit: 5000, types: handler.types }, client);
        if (events.length === 0) break;
        await handler.handle(events, client);
        at = events.at(-1)!.position;
      }
      const { rows: old } = await client.query<{ id: number }>(
        "UPDATE ind_definitions SET state = 'retired' WHERE code = $1 AND state = 'active' RETURNING id",
        [built!.definition.code],
      );
      await client.query("UPDATE ind_definitions SET state = 'active', activated_at = now() WHERE id = $1", [id]);
      // The retired version's totals are no longer read; its change rows stay as the audit of what was shown.
      for (const { id: retired } of old) {
        await client.query('DELETE FROM ind_totals WHERE definition_id = $1', [retired]);
        await client.query('DELETE FROM ind_distinct WHERE definition_id = $1', [retired]);
      }
      await client.query('DELETE FROM es_checkpoints WHERE name = $1', [name]);
      return 'switched';
    });
  }
}

/** Ends a build's batch (rolled back) once its version is no longer being built. */
class Superseded extends Error {}

/** A build's handler that projects only while its version is 'building' (checked in each batch's transaction). */
function whileBuilding(handler: IndicatorProjectionHandler, id: number): CheckpointedHandler {
  return {
    name: handler.name,
    types: handler.types,
    async handle(events, tx) {
      const { rows } = await tx.query<{ state: string }>('SELECT state FROM ind_definitions WHERE id = $1', [id]);
      if (rows[0]?.state !== 'building') throw new Superseded(`definition ${id} is no longer being built`);
      await handler.handle(events, tx);
    },
  };
}

/**
 * Recomputes every projection from the events (`npm run cli -- rebuild`). The reset is one
 * transaction that holds the main checkpoint, then the main projection catches up from the start.
 *
 * The recomputed changes are published again (socialwork.indicator-changes.v1), so they go out under
 * new definition versions: every active and building version is retired and succeeded by a copy
 * (same definition, next version). A consumer that sums the deltas of the version the catalog marks
 * active then sums each change once; under the old ids it summed the recomputed changes on top of
 * the first ones. Builds in progress restart from the start under their successors.
 */
export async function rebuildIndicators(pool: pg.Pool, store: PgEventStore, options: ProjectionOptions = {}): Promise<{ events: number; ms: number }> {
  const started = performance.now();
  await inTransaction(pool, async (client) => {
    await lockCheckpoint(client, MAIN_PROJECTION);
    // Every checkpoint first (a build in a batch finishes it), the catalog and the tables after: no lock-order deadlock.
    await client.query('UPDATE es_checkpoints SET position = 0, updated_at = now() WHERE name = $1', [MAIN_PROJECTION]);
    await client.query("DELETE FROM es_checkpoints WHERE name LIKE 'indicators:build:%'");
    await renewVersions(client);
    // The retired versions' change rows go with the rest, as they always did: nothing reads them,
    // and kept they would add a copy of every change to what community, area and as-of queries scan.
    await client.query('TRUNCATE ind_totals, ind_changes, ind_distinct, ind_records, ind_stations, ind_districts, ind_contracts, ind_targets');
  });
  const events = await new IndicatorProjections(pool, store, options).main.catchUp();
  return { events, ms: performance.now() - started };
}

/** Retires every active and building version and adds its successor in the same state (building ones stay the newest). */
async function renewVersions(client: pg.PoolClient): Promise<void> {
  // As define() does: a definition added meanwhile is renewed too, or waits for the renewed catalog.
  await client.query('LOCK TABLE ind_definitions IN SHARE ROW EXCLUSIVE MODE');
  const { rows } = await client.query<{ id: number; state: 'active' | 'building' }>(
    `UPDATE ind_definitions d SET state = 'retired' FROM ind_definitions was
      WHERE was.id = d.id AND was.state IN ('active', 'building') RETURNING d.id, was.state`,
  );
  await client.query(
    `INSERT INTO ind_definitions (code, version, state, definition, sort_order, activated_at)
     SELECT d.code, newest.version + row_number() OVER (PARTITION BY d.code ORDER BY d.version), r.state, d.definition, d.sort_order,
            CASE WHEN r.state = 'active' THEN now() END
       FROM unnest($1::int[], $2::text[]) AS r(id, state)
       JOIN ind_definitions d ON d.id = r.id
       CROSS JOIN LATERAL (SELECT max(version) AS version FROM ind_definitions m WHERE m.code = d.code) newest`,
    [rows.map((r) => r.id), rows.map((r) => r.state)],
  );
}

