import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { RecordingModule } from '../recording/recording.module.js';
import { ImportsController, NDJSON } from './imports.controller.js';

/** POST /api/v1/imports: the NDJSON import over HTTP. */
@Module({ imports: [RecordingModule], controllers: [ImportsController] })
export class ImportsModule implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapter: HttpAdapterHost) {}

  /**
   * NDJSON bodies reach the handler as the raw request stream: Fastify neither buffers them nor applies
   * the app's body limit, so an import of any size streams through. Other content types keep the limit.
   */
  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser(NDJSON)) {
      fastify.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));
    }
  }
}
