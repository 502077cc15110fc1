import pg from 'pg';
import { parseTimestamptz } from './timestamps.js';

/**
 * The platform's pools parse with their own table, not pg's global one, which another library in the
 * process may change (Emmett's driver, in the event-store benchmark, makes int8 a BigInt and JSON its
 * own). int8 (event positions, versions, sums of counts) would arrive as a string: positions stay far
 * below 2^53, so numbers are safe and far easier to use. NUMERIC (money) stays a string: exact.
 * timestamptz is read by position (same Dates as pg's parser, a fraction of its cost).
 */
const OWN_PARSERS: Record<number, (value: string) => unknown> = {
  [pg.types.builtins.INT8]: Number,
  [pg.types.builtins.JSON]: JSON.parse,
  [pg.types.builtins.JSONB]: JSON.parse,
  [pg.types.builtins.TIMESTAMPTZ]: parseTimestamptz,
};
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => OWN_PARSERS[oid] ?? pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig;

/**
 * JIT compilation off for the platform's sessions. Its queries are index look-ups and aggregates of a
 * station's or an area's rows, but tables that grow fast between ANALYZEs (a first import, a
 * projection's catch-up) give the planner row estimates that cross JIT's cost thresholds, and the
 * compile then costs more than the query: at 5 M events, catch-up 40,347 → 53,238 events/s, rebuild
 * 88.6 → 85.3 s, an area's year p50 210 → 145 ms, station and district years unchanged (indicator
 * bench, BENCH_SCALE=0.5, both settings in the same half hour). A connection string's own `options`
 * take precedence.
 */
const SESSION_OPTIONS = '-c jit=off';

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types, options: SESSION_OPTIONS });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction on one client from the pool. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
