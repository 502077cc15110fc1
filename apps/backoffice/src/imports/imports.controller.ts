import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Controller, HttpCode, HttpException, HttpStatus, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags, ApiUnsupportedMediaTypeResponse } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Caller } from '@app/auth';
import { AccessService, CurrentCaller, PG_POOL, Requires } from '@app/platform';
import { RecordingService } from '../recording/recording.service.js';
import { importNdjson, type ImportSummary } from './import-pipeline.js';

export const NDJSON = 'application/x-ndjson';

export class ImportQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: keep nothing unless every line is accepted (one transaction)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  atomic?: 'true' | 'false';
}

class RejectedLineDto {
  @ApiProperty({ description: '1-based line number in the file' }) line: number;
  @ApiProperty({ type: String, nullable: true, description: "the line's id, null when it could not be read" }) id: string | null;
  @ApiProperty({ description: 'the rule broken (code: explanation)' }) reason: string;
}

class ImportSummaryDto implements ImportSummary {
  @ApiProperty({ description: 'lines recorded now' }) accepted: number;
  @ApiProperty({ description: 'lines whose id was already recorded with the same content (nothing changed)' }) duplicates: number;
  @ApiProperty({ type: [RejectedLineDto], description: 'lines refused, in line order' }) rejected: RejectedLineDto[];
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller('api/v1/imports')
export class ImportsController {
  constructor(
    @Inject(RecordingService) private readonly recording: RecordingService,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(AccessService) private readonly access: AccessService,
  ) {}

  /** 导入: NDJSON, one record of RECORDS.md a line, streamed (a file of any length is never held whole). */
  @Post()
  @Requires('imports:write')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Import records (NDJSON)',
    description:
      'One JSON record a line (RECORDS.md). Good lines are kept and bad ones reported by line number; ' +
      'with atomic=true nothing is kept unless every line is accepted or a duplicate (then accepted and duplicates are 0). ' +
      'A line sent again with the same id and content is a duplicate; the same id with other content is refused.',
  })
  @ApiConsumes(NDJSON)
  @ApiBody({ schema: { type: 'string', example: '{"id":"r1","kind":"district","code":"440111","name":"白云区"}\n' } })
  @ApiOkResponse({ type: ImportSummaryDto })
  @ApiUnsupportedMediaTypeResponse({ description: `the body is not ${NDJSON}` })
  async import(@Req() request: FastifyRequest, @Query() query: ImportQuery, @CurrentCaller() caller: Caller): Promise<ImportSummary> {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== NDJSON) {
      throw new HttpException(
        {
          statusCode: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          error: 'Unsupported Media Type',
          message: `imports take Content-Type ${NDJSON} (one JSON record a line), not ${type || 'a body without a content type'}`,
        },
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      );
    }
    return importNdjson(request.body as Readable, this.recording, {
      // Every line is checked against the caller's role and scope where the recording side places it.
      ctx: { actor: caller.id, correlationId: randomUUID(), authorize: await this.access.recordAuthorizer(caller) },
      atomic: query.atomic === 'true',
      pool: this.pool,
    });
  }
}
