import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { cycleDecision, enforce, partyScoreDecision, type Caller } from '@app/auth';
import { AccessService, CurrentCaller, ForCycle, Requires } from '@app/platform';
import { marked } from 'marked';
import { renderReportMarkdown, satisfactionRate, scoreCycle, type CycleState } from '@app/evaluation';
import { ReadModel } from '../read-model/read-model.service.js';
import { Actor } from './actor.js';
import { CycleService } from './cycle.service.js';
import {
  AssignEvaluatorDto,
  DeclareTieDto,
  ExpertScoreDto,
  FindingDto,
  ObjectionDto,
  OpenCycleDto,
  PartyScoreDto,
  ReportQueryDto,
  ResolutionDto,
  ResponsesDto,
  SampleDto,
  SelfAssessmentDto,
} from './dto.js';

type Reply = { header(name: string, value: string): Reply; send(body: string): void };

/** Evaluation cycles (评估周期): commands move a cycle through its stages; GETs explain every figure. */
@ApiTags('cycles')
@ApiBearerAuth()
@Controller('api/v1/cycles')
export class CyclesController {
  constructor(
    private readonly cycles: CycleService,
    private readonly readModel: ReadModel,
    private readonly access: AccessService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a mid-term (中期) or final (末期) cycle for a station and contract; stage 自评' })
  @Requires('evaluation:manage')
  open(@Body() dto: OpenCycleDto, @Actor() actor: string) {
    return this.cycles.open(dto, actor);
  }

  @Get()
  @Requires('evaluation:read')
  async list(@CurrentCaller() caller: Caller, @Query('station') station?: string) {
    const places = await this.access.places();
    const cycles = await this.readModel.cycles(station);
    return cycles.filter((cycle) => cycleDecision(caller, 'evaluation:read', cycle, places).allowed);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The cycle as the read model holds it (stage, evaluators, scores, findings, objections)' })
  @Requires('evaluation:read')
  @ForCycle()
  get(@Param('id') id: string): Promise<CycleState> {
    return this.readModel.cycle(id);
  }

  @Post(':id/self-assessment')
  @HttpCode(200)
  @ApiOperation({ summary: 'The station submits its self-assessment (自评): stage 自评 → 实地评估' })
  @Requires('evaluation:self_assess')
  @ForCycle()
  selfAssessment(@Param('id') id: string, @Body() dto: SelfAssessmentDto, @Actor() actor: string) {
    return this.cycles.execute(id, { type: 'SubmitSelfAssessment', summary: dto.summary }, actor);
  }

  @Post(':id/evaluators')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign an expert; refused when the expert declared a tie (回避)' })
  @Requires('evaluation:manage')
  @ForCycle()
  assign(@Param('id') id: string, @Body() dto: AssignEvaluatorDto, @Actor() actor: string) {
    return this.cycles.execute(id, { type: 'AssignEvaluator', evaluator: dto.evaluator, name: dto.name }, actor);
  }

  @Post(':id/ties')
  @HttpCode(200)
  @ApiOperation({ summary: 'Declare a tie of an expert to the station or its operator: the expert may not be assigned or score' })
  @Requires('evaluation:expert_score')
  @ForCycle()
  declareTie(@Param('id') id: string, @Body() dto: DeclareTieDto, @Actor() actor: string) {
    return this.cycles.execute(id, { type: 'DeclareTie', evaluator: dto.evaluator, tie: dto.tie, note: dto.note }, actor);
  }

  @Post(':id/expert-scores')
  @HttpCode(200)
  @ApiOperation({ summary: 'The acting expert scores one rubric dimension, with a written reason; a later score of the same dimension supersedes it (both stay in the trail)' })
  @Requires('evaluation:expert_score')
  @ForCycle()
  expertScore(@Param('id') id: string, @Body() dto: ExpertScoreDto, @Actor() actor: string) {
    return this.cycles.execute(id, { type: 'ScoreDimension', evaluator: actor, dimension: dto.dimension, points: String(dto.points), reason: dto.reason }, actor);
  }

  @Post(':id/party-scores')
  @HttpCode(200)
  @ApiOperation({ summary: 'Street office (20%), supervision centre (15%) or district bureau (10%) score, out of 100' })
  @Requires('evaluation:score')
  @ForCycle()
  partyScore(@Param('id') id: string, @Body() dto: PartyScoreDto, @Actor() actor: string, @CurrentCaller() caller: Caller) {
    enforce(partyScoreDecision(caller, dto.party));
    return this.cycles.execute(id, { type: 'ScoreAsParty', party: dto.party, points: String(dto.points), reason: dto.reason, by: actor }, actor);
  }

  @Post(':id/indicator-figures')
  @HttpCode(200)
  @ApiOperation({ summary: 'Capture the indicator figures as of the cut-off (they feed 服务进度 and annex 1)' })
  @Requires('evaluation:expert_score')
  @ForCycle()
  captureFigures(@Param('id') id: string, @Actor() actor: string) {
    return this.cycles.captureFigures(id, actor);
  }

  @Post(':id/findings')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a strength (值得肯定的地方) or concern (需要关注的地方) with the records or figures it rests on' })
  @Requires('evaluation:expert_score')
  @ForCycle()
  finding(@Param('id') id: string, @Body() dto: FindingDto, @Actor() actor: string) {
    const { id: findingId, ...finding } = dto;
    return this.cycles.execute(id, { type: 'RecordFinding', findingId: findingId ?? randomUUID(), ...finding }, actor);
  }

  @Post(':id/satisfaction/sample')
  @HttpCode(200)
  @ApiOperation({ summary: 'Draw the satisfaction sample: ≥ 100 households at random, or all when fewer; the seed is stored' })
  @Requires('evaluation:expert_score')
  @ForCycle()
  sample(@Param('id') id: string, @Body() dto: SampleDto, @Actor() actor: string) {
    return this.cycles.drawSample(id, dto.seed, actor);
  }

  @Post(':id/satisfaction/responses')
  @HttpCode(200)
  @Requires('evaluation:expert_score')
  @ForCycle()
  responses(@Param('id') id: string, @Body() dto: ResponsesDto, @Actor() actor: string) {
    return this.cycles.execute(id, { type: 'RecordSatisfactionResponses', responses: dto.responses }, actor);
  }

  @Get(':id/satisfaction')
  @ApiOperation({ summary: 'The sample (seed, roll size, households), the responses and the rate' })
  @Requires('evaluation:read')
  @ForCycle()
  async satisfaction(@Param('id') id: string) {
    const state = await this.readModel.cycle(id);
    const rate = satisfactionRate(Object.values(state.responses));
    return {
      sample: state.sample ?? null,
      responses: Object.entries(state.responses).map(([household, r]) => ({ household, ...r })),
      rate: rate && { ...rate, value: rate.satisfied / rate.responses },
    };
  }

  @Post(':id/field-evaluation/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close the field evaluation and issue the draft report: stage 实地评估 → 报告反馈' })
  @Requires('evaluation:expert_score')
  @ForCycle()
  complete(@Param('id') id: string, @Actor() actor: string) {
    return this.cycles.completeFieldEvaluation(id, actor);
  }

  @Post(':id/objections')
  @HttpCode(200)
  @ApiOperation({ summary: 'A party objects to the draft report (异议)' })
  @Requires('evaluation:object')
  @ForCycle()
  object(@Param('id') id: string, @Body() dto: ObjectionDto, @Actor() actor: string) {
    return this.cycles.execute(id, { type: 'RaiseObjection', objectionId: dto.id ?? randomUUID(), party: dto.party, text: dto.text }, actor);
  }

  @Post(':id/objections/:objection/resolution')
  @HttpCode(200)
  @Requires('evaluation:expert_score')
  @ForCycle()
  resolve(@Param('id') id: string, @Param('objection') objection: string, @Body() dto: ResolutionDto, @Actor() actor: string) {
    return this.cycles.execute(id, { type: 'ResolveObjection', objectionId: objection, upheld: dto.upheld, resolution: dto.resolution }, actor);
  }

  @Post(':id/final-report')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue the final report: freezes total and grade; the cycle is immutable afterwards' })
  @Requires('evaluation:expert_score')
  @ForCycle()
  finalReport(@Param('id') id: string, @Actor() actor: string) {
    return this.cycles.issueFinalReport(id, actor);
  }

  @Get(':id/score')
  @ApiOperation({ summary: 'Why the total is what it is: rubric and scheme versions, every input with its event version, the formula' })
  @Requires('evaluation:read')
  @ForCycle()
  async score(@Param('id') id: string) {
    const state = await this.readModel.cycle(id);
    const trail = await this.readModel.trail(id);
    const at = new Map(trail.map((t) => [t.version, { position: t.position, actor: t.actor, recordedAt: t.recordedAt }]));
    return { ...scoreCycle(state).explanation, events: Object.fromEntries(at) };
  }

  @Get(':id/trail')
  @ApiOperation({ summary: 'Every change of the cycle: who, when, what (never overwritten)' })
  @Requires('evaluation:read')
  @ForCycle()
  trail(@Param('id') id: string) {
    return this.readModel.trail(id);
  }

  @Get(':id/report')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The report (draft before the final report) as Markdown or HTML, structured as seed 003' })
  @Requires('evaluation:read')
  @ForCycle()
  async report(@Param('id') id: string, @Query() query: ReportQueryDto, @Res() reply: Reply) {
    const markdown = renderReportMarkdown(await this.readModel.cycle(id));
    if (query.format === 'html') {
      const body = await marked.parse(markdown);
      reply.header('Content-Type', 'text/html; charset=utf-8').send(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>评估报告</title></head><body>\n${body}</body></html>`);
      return;
    }
    reply.header('Content-Type', 'text/markdown; charset=utf-8').send(markdown);
  }
}
