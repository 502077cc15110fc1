import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { newEventId, type PgEventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';
import { invalid, notFound, parseLocalDate, type LocalDate } from '@app/kernel';
import {
  CYCLE_STREAM_TYPE,
  DEFAULT_RUBRIC,
  DEFAULT_SCHEME,
  cycleStreamId,
  decide,
  foldCycle,
  type CycleCommand,
  type CycleEvent,
} from '@app/evaluation';
import { ReadModel } from '../read-model/read-model.service.js';
import type { OpenCycleDto } from './dto.js';

/** Today in Guangzhou (UTC+8, no daylight saving): report dates are calendar days there. */
const today = (): LocalDate => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * Command handling for cycles: load the cycle's stream, `decide`, append with the expected version,
 * then bring the read model up to date so the caller reads its own write.
 */
@Injectable()
export class CycleService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PgEventStore,
    private readonly readModel: ReadModel,
  ) {}

  async execute(cycleId: string, command: CycleCommand, actor: string): Promise<{ cycleId: string; version: number }> {
    const streamId = cycleStreamId(cycleId);
    const stored = await this.store.readStream(streamId);
    if (stored.length === 0 && command.type !== 'OpenCycle') throw notFound('cycle_not_found', `no evaluation cycle ${cycleId}`);
    const state = foldCycle(stored.map((e) => ({ type: e.type, data: e.data }) as CycleEvent));
    const events = decide(command, state);
    const station = command.type === 'OpenCycle' ? command.subject.station : state.subject!.station;
    const result = await this.store.append({
      streamId,
      streamType: CYCLE_STREAM_TYPE,
      expectedVersion: stored.length === 0 ? 'no_stream' : stored.length,
      events: events.map((event) => ({
        eventId: newEventId(),
        type: event.type,
        data: event.data,
        metadata: { actor, station: station.code, district: station.district },
      })),
    });
    await this.readModel.catchUp();
    return { cycleId, version: result.status === 'appended' ? result.nextVersion : stored.length };
  }

  async open(dto: OpenCycleDto, actor: string): Promise<{ cycleId: string; version: number }> {
    parseLocalDate(dto.cutOff, 'cutOff');
    await this.readModel.catchUp();
    const station = await this.readModel.station(dto.station);
    const contract = await this.readModel.contract(dto.contract);
    if (contract.station !== station.code) {
      throw invalid('contract_of_other_station', `contract ${contract.code} belongs to station ${contract.station}, not ${station.code}`);
    }
    if (dto.cutOff < contract.periodStart) throw invalid('cut_off_before_period', `cut-off ${dto.cutOff} is before the contract period starts (${contract.periodStart})`);
    const { districtName, ...place } = station;
    const cycleId = dto.id ?? randomUUID();
    return this.execute(
      cycleId,
      {
        type: 'OpenCycle',
        cycleId,
        kind: dto.kind,
        cutOff: dto.cutOff,
        rubricVersion: dto.rubricVersion ?? DEFAULT_RUBRIC,
        schemeVersion: dto.schemeVersion ?? DEFAULT_SCHEME,
        subject: {
          station: { ...place, districtName: districtName ?? station.district },
          contract: { code: contract.code, periodStart: contract.periodStart, periodEnd: contract.periodEnd, budgetYuan: contract.budgetYuan },
          evaluator: dto.evaluator,
        },
      },
      actor,
    );
  }

  /** Indicator figures as of the cycle's cut-off, from everything the service has read so far. */
  async captureFigures(cycleId: string, actor: string) {
    await this.readModel.catchUp();
    const state = await this.readModel.cycle(cycleId);
    const position = await this.readModel.recordingPosition();
    const { station, contract } = state.subject!;
    const figures = await this.readModel.figures(contract.code, station.code, contract.periodStart, state.cutOff!, position);
    return this.execute(cycleId, { type: 'CaptureIndicatorFigures', coveredPosition: position, figures }, actor);
  }

  /** Draws the survey sample from the households archived by the cut-off; the seed is stored. */
  async drawSample(cycleId: string, seed: string | undefined, actor: string) {
    await this.readModel.catchUp();
    const state = await this.readModel.cycle(cycleId);
    const position = await this.readModel.recordingPosition();
    const population = await this.readModel.households(state.subject!.station.code, state.cutOff!, position);
    return this.execute(cycleId, { type: 'DrawSatisfactionSample', seed: seed ?? randomBytes(16).toString('hex'), population, coveredPosition: position }, actor);
  }

  completeFieldEvaluation(cycleId: string, actor: string) {
    return this.execute(cycleId, { type: 'CompleteFieldEvaluation', today: today() }, actor);
  }

  issueFinalReport(cycleId: string, actor: string) {
    return this.execute(cycleId, { type: 'IssueFinalReport', today: today() }, actor);
  }
}
