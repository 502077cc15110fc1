import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Requires } from '@app/platform';
import { Actor } from '../cycles/actor.js';
import { ReadModel } from './read-model.service.js';

@ApiTags('read model')
@ApiBearerAuth()
@Controller('api/v1/read-model')
export class ReadModelController {
  constructor(private readonly readModel: ReadModel) {}

  @Get('status')
  @Requires('evaluation:read')
  @ApiOperation({ summary: 'Log head and the positions the read model has applied (recording figures, cycle events)' })
  status() {
    return this.readModel.status();
  }

  @Post('rebuild')
  @Requires('system:operate')
  @HttpCode(202)
  @ApiOperation({ summary: 'Drop the read model’s contents and replay the log (cycles at once, recording figures as the feed catches up)' })
  async rebuild(@Actor() _actor: string) {
    await this.readModel.rebuild();
    return this.readModel.status();
  }
}
