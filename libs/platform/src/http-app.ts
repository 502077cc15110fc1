import { NestFactory } from '@nestjs/core';
import { ValidationPipe, type LogLevel } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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

/** LOG_LEVEL=debug|log|warn|error; tests default to warnings and errors only. */
function logLevelsFromEnv(): LogLevel[] {
  const order: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  const wanted = (process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'log')) as LogLevel;
  const index = order.indexOf(wanted);
  return order.slice(0, index < 0 ? 3 : index + 1);
}
