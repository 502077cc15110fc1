import { Module } from '@nestjs/common';
import { CYCLE_RESOLVER, type CycleResolver } from '@app/platform';
import { ReadModel } from '../read-model/read-model.service.js';
import { ReadModelController } from '../read-model/read-model.controller.js';
import { CycleService } from './cycle.service.js';
import { CyclesController } from './cycles.controller.js';

/** The station (and its district) a cycle evaluates: what access to the cycle depends on. */
const cycleResolver = (readModel: ReadModel): CycleResolver => ({
  cycle: (id) =>
    readModel.cycle(id).then(
      ({ subject }) => subject && { id, station: subject.station.code, district: subject.station.district },
      () => undefined,
    ),
});

@Module({
  controllers: [CyclesController, ReadModelController],
  providers: [ReadModel, CycleService, { provide: CYCLE_RESOLVER, useFactory: cycleResolver, inject: [ReadModel] }],
  exports: [ReadModel],
})
export class CyclesModule {}
