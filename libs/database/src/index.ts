export { resolveDatabase, DEFAULT_EMBEDDED_PORT, type DatabaseHandle } from './config.js';
export { startEmbeddedPostgres, type EmbeddedServer, type EmbeddedOptions } from './embedded.js';
export { ensureDatabase, dropDatabase, withDatabase } from './admin.js';
export { migrate, type Migration } from './migrations.js';
export { createPool, inTransaction } from './pool.js';
export { copyText, CopyChunk } from './copy-text.js';
