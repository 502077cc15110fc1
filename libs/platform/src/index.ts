export { PG_POOL, EVENT_STORE, PLATFORM_CONFIG } from './tokens.js';
export { DatabaseModule } from './database.module.js';
export { HealthModule } from './health.module.js';
export { HealthController } from './health.controller.js';
export { PlatformExceptionFilter, toErrorBody, type ErrorBody } from './exception.filter.js';
export { createHttpApp, type HttpAppOptions } from './http-app.js';
export * from './auth/index.js';
