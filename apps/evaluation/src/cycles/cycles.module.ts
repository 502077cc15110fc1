import { Module } from '@nestjs/common';
import { ReadModel } from '../read-model/read-model.service.js';
import { ReadModelController } from '../read-model/read-model.controller.js';
import { CycleService } from './cycle.service.js';
import { CyclesController } from './cycles.controller.js';

@Module({ controllers: [CyclesController, ReadModelController], providers: [ReadModel, CycleService], exports: [ReadModel] })
export class CyclesModule {}
