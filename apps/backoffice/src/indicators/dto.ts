import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SERVICE_KINDS } from '@app/recording';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class IndicatorQueryDto {
  @ApiProperty({ example: 'station:SANYUANLI', description: 'city | district:CODE | station:CODE | area:STATION/AREA | community:STATION/COMMUNITY' })
  @IsString()
  scope: string;

  @ApiProperty({ example: '2024-05-24', description: 'first day of the period (by the date the service happened)' })
  @Matches(DATE, { message: 'from must be a date as YYYY-MM-DD' })
  from: string;

  @ApiProperty({ example: '2025-05-23', description: 'last day of the period, inclusive' })
  @Matches(DATE, { message: 'to must be a date as YYYY-MM-DD' })
  to: string;

  @ApiPropertyOptional({ example: '2025-04-23T23:59:59+08:00', description: 'totals as recorded by this moment (截至)' })
  @IsOptional()
  @IsString()
  asOf?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv: the same table as text/csv' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ description: 'CSV only: show rates as percentages rounded half up to this many decimals (e.g. 2 → 113.80%)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(6)
  percentDecimals?: number;
}

export class HistoryQueryDto {
  @ApiProperty({ example: 'station:SANYUANLI' })
  @IsString()
  scope: string;

  @ApiPropertyOptional({ example: '2024-05-24' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a date as YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2025-05-23' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a date as YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ example: '2025-04-23T23:59:59+08:00' })
  @IsOptional()
  @IsString()
  asOf?: string;

  @ApiPropertyOptional({ description: 'the `next` of the previous page: changes after this id' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ description: 'changes per page (default 1000, at most 10000)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;
}

export class QualityQueryDto {
  @ApiProperty({ example: 'station:SANYUANLI', description: 'station:CODE or area:STATION/AREA' })
  @IsString()
  scope: string;

  @ApiProperty({ example: '2024-05-24' })
  @Matches(DATE, { message: 'from must be a date as YYYY-MM-DD' })
  from: string;

  @ApiProperty({ example: '2025-05-23' })
  @Matches(DATE, { message: 'to must be a date as YYYY-MM-DD' })
  to: string;
}

/** An indicator definition (the deep shape is checked by the domain's validateDefinition). */
export class IndicatorDefinitionDto {
  @ApiProperty({ example: 'volunteer_trainings_general' })
  @IsString()
  code: string;

  @ApiProperty({ example: '志愿者通用性培训' })
  @IsString()
  name: string;

  @ApiProperty({ example: '场' })
  @IsString()
  unit: string;

  @ApiProperty({ enum: SERVICE_KINDS })
  @IsIn(SERVICE_KINDS)
  kind: string;

  @ApiProperty({ example: { type: 'general' }, description: 'field: value (or [values]) the record must have' })
  @IsObject()
  filter: Record<string, unknown>;

  @ApiProperty({ example: { type: 'count' }, description: '{type:"count"} | {type:"sum", field, money?} | {type:"distinct", field}' })
  @IsObject()
  measure: Record<string, unknown>;
}
