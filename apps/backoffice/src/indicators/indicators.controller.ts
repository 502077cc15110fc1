import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Requires } from '@app/platform';
import { formatPercent } from '@app/indicators';
import { IndicatorQueryService, type ExactIndicatorTable } from './indicator-query.service.js';
import { IndicatorProjectionsService } from './indicator-projections.service.js';
import { QualityService } from './quality.service.js';
import { HistoryQueryDto, IndicatorDefinitionDto, IndicatorQueryDto, QualityQueryDto } from './dto.js';

interface Reply {
  header(name: string, value: string): Reply;
}

@ApiTags('indicators')
@ApiBearerAuth()
@Controller('api/v1')
export class IndicatorsController {
  constructor(
    private readonly queries: IndicatorQueryService,
    private readonly quality: QualityService,
    private readonly projections: IndicatorProjectionsService,
  ) {}

  @Get('indicators')
  @ApiOperation({ summary: 'Totals, targets and completion rates (达成率) of every indicator for a scope and period' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: '{scope, from, to, asOf, indicators:[{code, name, unit, actual, target, rate}]}; money as decimal strings' })
  @Requires('indicators:read')
  async table(@Query() query: IndicatorQueryDto, @Res({ passthrough: true }) reply: Reply): Promise<unknown> {
    const { exact, ...table } = await this.queries.table(query);
    if (query.format !== 'csv') return table;
    reply.header('content-type', 'text/csv; charset=utf-8');
    return toCsv({ ...table, exact }, query.percentDecimals);
  }

  @Get('indicators/:code/history')
  @ApiOperation({ summary: 'Every change of an indicator in a scope, in recording order: when, delta, record, actor, correction reason' })
  @Requires('indicators:read')
  history(@Param('code') code: string, @Query() query: HistoryQueryDto) {
    return this.queries.history(code, query);
  }

  @Get('quality')
  @ApiOperation({ summary: 'Data-quality findings (数据质量) of a station or area for a period' })
  // Findings name households and records: not an aggregate.
  @Requires('records:read')
  findings(@Query() query: QualityQueryDto) {
    return this.quality.findings(query);
  }

  @Get('projection/status')
  @ApiOperation({
    summary: 'The indicator projection, for monitoring: checkpoint, log head, lag, and the error it is retrying on, if any',
    description:
      'A projection never skips an event it cannot handle (the figures would silently be wrong): it retries every second and ' +
      'reports the error here (lastError: {message, at}, null when healthy) until the cause is mended.',
  })
  @ApiOkResponse({ description: '{name, running, checkpoint, head, lag, lastError: {message, at} | null}' })
  @Requires('system:operate')
  projectionStatus() {
    return this.projections.status();
  }

  @Get('indicator-definitions')
  @ApiOperation({ summary: 'The indicator catalog: every definition version and its state (building, active, retired)' })
  @Requires('indicators:read')
  definitions() {
    return this.projections.list();
  }

  @Post('indicator-definitions')
  @HttpCode(202)
  @ApiOperation({ summary: 'Add an indicator (administrators); computed from all events in the background' })
  @Requires('indicators:define')
  add(@Body() body: IndicatorDefinitionDto) {
    return this.projections.define(body, false);
  }

  @Put('indicator-definitions/:code')
  @HttpCode(202)
  @ApiOperation({ summary: 'Change an indicator; the new version is built beside the active one and switched to when caught up' })
  @Requires('indicators:define')
  change(@Param('code') code: string, @Body() body: IndicatorDefinitionDto) {
    return this.projections.define({ ...body, code }, true);
  }
}

const csvField = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The indicator table as CSV; rates exact unless percentDecimals asks for rounded percentages. */
export function toCsv(table: ExactIndicatorTable, percentDecimals?: number): string {
  const lines = [['code', 'name', 'unit', 'actual', 'target', 'rate'].join(',')];
  table.indicators.forEach((row, i) => {
    const { actual, target } = table.exact[i]!;
    const rate = percentDecimals === undefined ? row.rate : formatPercent(actual, target, percentDecimals);
    lines.push([row.code, row.name, row.unit, row.actual, row.target, rate].map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}
