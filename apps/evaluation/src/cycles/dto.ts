import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FINDING_AREAS, type CycleKind, type FindingArea, type Tie } from '@app/evaluation';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class OpenCycleDto {
  @ApiPropertyOptional({ description: 'cycle id chosen by the caller (default: generated)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,80}$/)
  id?: string;

  @ApiProperty({ example: 'SYL' }) @IsString() @IsNotEmpty()
  station: string;

  @ApiProperty({ example: '440111-202405-SYL-0001' }) @IsString() @IsNotEmpty()
  contract: string;

  @ApiProperty({ enum: ['mid_term', 'final'], description: '中期 / 末期' }) @IsIn(['mid_term', 'final'])
  kind: CycleKind;

  @ApiProperty({ example: '2025-04-23', description: '数据截止日: indicator figures count services up to this day' })
  @Matches(DATE)
  cutOff: string;

  @ApiProperty({ example: '广州市社会组织联合会', description: '评估方' }) @IsString() @IsNotEmpty()
  evaluator: string;

  @ApiPropertyOptional({ example: '2025-v1' }) @IsOptional() @IsString()
  rubricVersion?: string;

  @ApiPropertyOptional({ example: '2025', description: 'weight scheme version (2025: 55/20/15/10; 2019: 1000 points)' })
  @IsOptional() @IsString()
  schemeVersion?: string;
}

export class SelfAssessmentDto {
  @ApiProperty({ description: '自评报告摘要' }) @IsString() @IsNotEmpty() @MaxLength(20000)
  summary: string;
}

export class AssignEvaluatorDto {
  @ApiProperty({ example: 'expert-1' }) @IsString() @IsNotEmpty()
  evaluator: string;

  @ApiProperty({ example: '评估专家一' }) @IsString() @IsNotEmpty()
  name: string;
}

export class DeclareTieDto {
  @ApiProperty() @IsString() @IsNotEmpty()
  evaluator: string;

  @ApiProperty({ enum: ['station', 'operator'], description: '与社工站或承办方的关联（回避）' }) @IsIn(['station', 'operator'])
  tie: Tie;

  @ApiProperty({ description: 'what the tie is' }) @IsString() @IsNotEmpty()
  note: string;
}

export class ExpertScoreDto {
  @ApiProperty({ example: 'project_management' }) @IsString() @IsNotEmpty()
  dimension: string;

  @ApiProperty({ example: 17.5, description: 'points, at most two decimals, at most the dimension maximum' })
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false }) @Min(0)
  points: number;

  @ApiProperty({ description: '评分理由 (required: every score points to its evidence)' }) @IsString() @IsNotEmpty()
  reason: string;
}

export class PartyScoreDto {
  @ApiProperty({ enum: ['street_office', 'supervision_centre', 'district_bureau'] }) @IsString() @IsNotEmpty()
  party: string;

  @ApiProperty({ example: 88, description: 'out of 100' })
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false }) @Min(0)
  points: number;

  @ApiProperty() @IsString() @IsNotEmpty()
  reason: string;
}

export class EvidenceDto {
  @ApiProperty({ enum: ['record', 'figure', 'data_quality'], description: 'data_quality: a finding of the indicator data-quality checks' })
  @IsIn(['record', 'figure', 'data_quality'])
  kind: 'record' | 'figure' | 'data_quality';

  @ApiProperty({ example: 'SYL-飞鹅新村-C0154' }) @IsString() @IsNotEmpty()
  ref: string;

  @ApiPropertyOptional({ example: '3414' }) @IsOptional() @IsString()
  value?: string;
}

export class FindingDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,80}$/)
  id?: string;

  @ApiProperty({ enum: FINDING_AREAS }) @IsIn(FINDING_AREAS as FindingArea[])
  area: FindingArea;

  @ApiProperty({ enum: ['strength', 'concern'], description: '值得肯定的地方 / 需要关注的地方' }) @IsIn(['strength', 'concern'])
  kind: 'strength' | 'concern';

  @ApiPropertyOptional({ example: '一片区' }) @IsOptional() @IsString()
  serviceArea?: string;

  @ApiProperty() @IsString() @IsNotEmpty()
  text: string;

  @ApiProperty({ type: [EvidenceDto] }) @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => EvidenceDto)
  evidence: EvidenceDto[];
}

export class SampleDto {
  @ApiPropertyOptional({ description: 'seed of the draw (default: random); stored with the sample' })
  @IsOptional() @IsString() @IsNotEmpty()
  seed?: string;
}

export class ResponseDto {
  @ApiProperty() @IsString() @IsNotEmpty()
  household: string;

  @ApiProperty() @IsBoolean()
  satisfied: boolean;

  @ApiPropertyOptional() @IsOptional() @IsString()
  comment?: string;
}

export class ResponsesDto {
  @ApiProperty({ type: [ResponseDto] }) @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => ResponseDto)
  responses: ResponseDto[];
}

export class ObjectionDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,80}$/)
  id?: string;

  @ApiProperty({ example: '三元里街社工站', description: 'the party objecting (异议)' }) @IsString() @IsNotEmpty()
  party: string;

  @ApiProperty() @IsString() @IsNotEmpty()
  text: string;
}

export class ResolutionDto {
  @ApiProperty({ description: 'true: the objection is accepted (采纳)' }) @IsBoolean()
  upheld: boolean;

  @ApiProperty() @IsString() @IsNotEmpty()
  resolution: string;
}

export class ReportQueryDto {
  @ApiPropertyOptional({ enum: ['markdown', 'html'] }) @IsOptional() @IsIn(['markdown', 'html'])
  format?: 'markdown' | 'html';
}
