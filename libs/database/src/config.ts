import { startEmbeddedPostgres, type EmbeddedServer } from './embedded.js';
import { ensureDatabase } from './admin.js';

export interface DatabaseHandle {
  url: string;
  embedded?: EmbeddedServer;
}

export const DEFAULT_EMBEDDED_PORT = 54329;

/**
 * The platform's one choice of database: DATABASE_URL when set, otherwise an embedded server
 * whose data folder lives under the project (`.data/postgres`, ignored by git).
 */
export async function resolveDatabase(env: NodeJS.ProcessEnv = process.env): Promise<DatabaseHandle> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({
    dataDir: env.EMBEDDED_PG_DIR ?? '.data/postgres',
    port: Number(env.EMBEDDED_PG_PORT ?? DEFAULT_EMBEDDED_PORT),
  });
  const url = await ensureDatabase(embedded.url, 'socialwork');
  return { url, embedded };
}
