import { Body, Controller, Headers, Inject, Post, Res, type PipeTransform, type Type } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { invalid } from '@app/kernel';
import { isSetupKind, type AnyRecord, type RecordKind } from '@app/recording';
import type { Caller } from '@app/auth';
import { AccessService, CurrentCaller, Requires } from '@app/platform';
import { RECORD_DTOS } from './record.dto.js';
import { RECORD_COMMANDS, commandFor } from './commands.js';
import type { RecordOutcome } from './recording.service.js';
import { validateRecord } from './validate-record.js';

export class RecordedDto {
  @ApiProperty({ enum: ['accepted', 'duplicate'], description: 'accepted (201), or duplicate (200): this id was recorded with the same content before' })
  status!: 'accepted' | 'duplicate';
  @ApiProperty({ description: "the record's event position in the global log" })
  position!: number;
}

/** The body of `POST /api/v1/records/{kind}`: the kind's record; `kind` may be omitted (the path names it). */
class RecordBodyPipe implements PipeTransform<unknown, AnyRecord> {
  constructor(private readonly kind: RecordKind) {}

  transform(body: unknown): AnyRecord {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('invalid_record', 'the body must be a JSON object');
    const sent = (body as { kind?: unknown }).kind;
    if (sent !== undefined && sent !== this.kind) {
      throw invalid('kind_mismatch', `kind must be ${this.kind} on this path (or omitted), got ${JSON.stringify(sent)}`);
    }
    const result = validateRecord({ ...body, kind: this.kind });
    if (!result.ok) throw invalid('invalid_record', result.reason);
    return result.record;
  }
}

/**
 * `POST /api/v1/records/{kind}` for each record kind of RECORDS.md (the same kind names as the
 * import), each documented with its own DTO. The actor is the bearer token's subject; the caller's role
 * and scope must admit the record where it lands. Header `x-correlation-id` is optional.
 */
function recordController(kind: RecordKind): Type {
  const command = RECORD_COMMANDS[kind];

  @ApiTags('records (记录)')
  @ApiBearerAuth()
  @Controller('api/v1/records')
  class KindController {
    constructor(
      @Inject(CommandBus) private readonly commands: CommandBus,
      @Inject(AccessService) private readonly access: AccessService,
    ) {}

    @Post(kind)
    @Requires(isSetupKind(kind) ? 'setup:write' : 'records:write')
    @ApiOperation({ operationId: command.name, summary: command.summary })
    @ApiBody({ type: RECORD_DTOS[kind] })
    @ApiHeader({ name: 'x-correlation-id', required: false })
    @ApiCreatedResponse({ type: RecordedDto, description: 'recorded' })
    @ApiOkResponse({ type: RecordedDto, description: 'duplicate: the same id with the same content was recorded before; nothing changed' })
    @ApiBadRequestResponse({ description: 'malformed record: the reason names the field and the rule' })
    @ApiUnauthorizedResponse({ description: 'no bearer token, or one that is expired or not ours' })
    @ApiForbiddenResponse({ description: "the caller's role or scope does not admit this record where it lands: `code` says which" })
    @ApiConflictResponse({ description: 'the id was used before for other content' })
    @ApiUnprocessableEntityResponse({ description: 'a domain rule refused it: `code` names the rule (e.g. consent_after_opening, case_not_open)' })
    async record(
      @Body(new RecordBodyPipe(kind)) record: AnyRecord,
      @CurrentCaller() caller: Caller,
      @Headers('x-correlation-id') correlationId: string | undefined,
      @Res() reply: FastifyReply,
    ): Promise<void> {
      const outcome = await this.commands.execute<InstanceType<ReturnType<typeof commandFor>>, RecordOutcome>(
        new (commandFor(kind))(record, { actor: caller.id, correlationId, authorize: await this.access.recordAuthorizer(caller) }),
      );
      if (outcome.status === 'rejected') throw outcome.error;
      await reply.status(outcome.status === 'accepted' ? 201 : 200).send({ status: outcome.status, position: outcome.position });
    }
  }
  Object.defineProperty(KindController, 'name', { value: `${command.name}Controller` });
  return KindController;
}

export const recordControllers = (Object.keys(RECORD_DTOS) as RecordKind[]).map(recordController);
