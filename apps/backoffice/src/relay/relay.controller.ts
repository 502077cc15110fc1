import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Requires } from '@app/platform';
import { RelayService, type RelayOverview } from './relay.service.js';

@ApiTags('relay')
@ApiBearerAuth()
@Controller('api/v1/relay')
export class RelayController {
  constructor(private readonly relay: RelayService) {}

  /** Lag of the Kafka relays (counts only, no data), for monitoring. */
  @Requires('system:operate')
  @Get('status')
  @ApiOkResponse({
    description:
      '{ enabled, reason?, relays: [{ topic, running, active, position, head, lag, lastPublishedAt, lastError }] }; lag = rows committed in PostgreSQL and not yet acknowledged by Kafka',
  })
  status(): Promise<RelayOverview> {
    return this.relay.overview();
  }
}
