import { Module } from '@nestjs/common';
import { IndicatorsController } from './indicators.controller.js';
import { IndicatorQueryService } from './indicator-query.service.js';
import { IndicatorProjectionsService } from './indicator-projections.service.js';
import { QUALITY_CONFIG, QualityService, qualityConfigFromEnv } from './quality.service.js';

/** The read side users come for: indicator totals, completion rates, history, data quality. */
@Module({
  controllers: [IndicatorsController],
  providers: [
    IndicatorQueryService,
    IndicatorProjectionsService,
    QualityService,
    { provide: QUALITY_CONFIG, useFactory: () => qualityConfigFromEnv() },
  ],
  exports: [IndicatorQueryService, IndicatorProjectionsService],
})
export class IndicatorsModule {}
