import { createPool, migrate, resolveDatabase } from '@app/database';
import { PgEventStore } from '@app/event-store';
import { rebuildIndicators } from '../../backoffice/src/indicators/index.js';
import { backofficeMigrations } from '../../backoffice/src/migrations.js';

/** `npm run cli -- rebuild`: recomputes every indicator projection from the events. */
export async function rebuildCommand(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const database = await resolveDatabase(env);
  const pool = createPool(database.url, 4);
  try {
    await migrate(pool, backofficeMigrations);
    const { events, ms } = await rebuildIndicators(pool, new PgEventStore(pool));
    console.log(`rebuilt the indicator projections from ${events} events in ${(ms / 1000).toFixed(1)} s`);
  } finally {
    await pool.end();
    await database.embedded?.stop();
  }
}
