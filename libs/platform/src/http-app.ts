import { NestFactory } from '@nestjs/core';
import { HttpException, HttpStatus, ValidationPipe, type LogLevel } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { PlatformExceptionFilter } from './exception.filter.js';

export interface HttpAppOptions {
  title: string;
  description: string;
  /** Largest request body in bytes (streamed NDJSON imports are not bound by it). */
  bodyLimit?: number;
  logLevels?: LogLevel[];
}

/**
 * One way to build either app's HTTP side: Fastify, the global ValidationPipe (HTTP 400 naming the
 * field and the rule), the one exception filter, OpenAPI at /docs and clean shutdown on SIGTERM.
 */
export async function createHttpApp(module: Parameters<typeof NestFactory.create>[0], options: HttpAppOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: options.bodyLimit ?? 1_048_576 }),
    { logger: options.logLevels ?? logLevelsFromEnv() },
  );
  // The security headers' middleware is made once: @fastify/helmet made it again for every request
  // (parsing the CSP directives each time, ~40 µs of a ~600 µs command).
  const securityHeaders = helmet({
    // The API docs page (Swagger UI) needs inline styles and scripts; everything else is JSON.
    contentSecurityPolicy: {
      directives: { defaultSrc: [`'self'`], styleSrc: [`'self'`, `'unsafe-inline'`], imgSrc: [`'self'`, 'data:'], scriptSrc: [`'self'`, `'unsafe-inline'`] },
    },
  });
  app.getHttpAdapter().getInstance().addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  await app.register(rateLimit, rateLimits(process.env));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
    }),
  );
  app.useGlobalFilters(new PlatformExceptionFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(options.title).setDescription(options.description).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}

const IMPORTS = /^\/api\/v\d+\/imports/;

/**
 * Per client address and minute: RATE_LIMIT_IMPORTS (default 60) imports, RATE_LIMIT_REQUESTS
 * (default 6000) other requests. Failed authentications have their own, tighter limit (AuthGuard).
 */
function rateLimits(env: NodeJS.ProcessEnv) {
  const bucket = (url: string) => (IMPORTS.test(url) ? 'imports' : 'api');
  const max = { imports: Number(env.RATE_LIMIT_IMPORTS ?? 60), api: Number(env.RATE_LIMIT_REQUESTS ?? 6000) };
  return {
    global: true,
    timeWindow: 60_000,
    keyGenerator: (request: { ip: string; url: string }) => `${request.ip}|${bucket(request.url)}`,
    max: (request: { url: string }) => max[bucket(request.url)],
    // Thrown outside Nest's routing: an HttpException is what Nest's fastify error handler maps to its status.
    errorResponseBuilder: (_request: unknown, context: { after: string }) =>
      new HttpException({ statusCode: 429, error: 'too_many_requests', message: `rate limit exceeded, retry in ${context.after}` }, HttpStatus.TOO_MANY_REQUESTS),
  };
}

/** LOG_LEVEL=debug|log|warn|error; tests default to warnings and errors only. */
function logLevelsFromEnv(): LogLevel[] {
  const order: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  const wanted = (process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'log')) as LogLevel;
  const index = order.indexOf(wanted);
  return order.slice(0, index < 0 ? 3 : index + 1);
}
