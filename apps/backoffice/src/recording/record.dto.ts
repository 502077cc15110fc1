/**
 * One class-validator DTO per record kind of RECORDS.md: the structural rules (types, required
 * fields, real dates, non-negative counts, money as decimal strings), shared by the REST endpoints
 * and the NDJSON import through `validateRecord`. Domain rules live in the deciders.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  buildMessage,
  type ValidationOptions,
} from 'class-validator';
import { isLocalDate, isYuanString } from '@app/kernel';
import type { RecordKind } from '@app/recording';

/** A real calendar date written YYYY-MM-DD (2025-02-30 is refused). */
function IsLocalDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLocalDate',
      validator: {
        validate: (value) => isLocalDate(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a real calendar date written YYYY-MM-DD`, options),
      },
    },
    options,
  );
}

/** Money in 元: a decimal string with at most two decimals, never a JSON number (a float). */
function IsYuan(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isYuan',
      validator: {
        validate: (value) => isYuanString(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a non-negative amount as a decimal string with at most two decimals, e.g. "523106.71" (never a number)`,
          options,
        ),
      },
    },
    options,
  );
}

const TARGET_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** 协议指标量: indicator code → whole number, or money as a decimal string. */
function IsTargets(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTargets',
      validator: {
        validate: (value) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([code, v]) => TARGET_CODE.test(code) && ((Number.isInteger(v) && (v as number) >= 0) || isYuanString(v)),
          ),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must map indicator codes (lower_snake_case) to whole numbers ≥ 0, or money targets to decimal strings`,
          options,
        ),
      },
    },
    options,
  );
}

const Code = (description: string) => (target: object, key: string | symbol) => {
  ApiProperty({ description, maxLength: 100 })(target, key);
  IsString()(target, key);
  IsNotEmpty()(target, key);
  MaxLength(100)(target, key);
};

const OptionalCode = (description: string) => (target: object, key: string | symbol) => {
  ApiPropertyOptional({ description, maxLength: 100 })(target, key);
  IsOptional()(target, key);
  IsString()(target, key);
  IsNotEmpty()(target, key);
  MaxLength(100)(target, key);
};

const Count = (description: string, min = 0) => (target: object, key: string | symbol) => {
  ApiProperty({ description, minimum: min, type: 'integer' })(target, key);
  IsInt()(target, key);
  Min(min)(target, key);
};

const OptionalCount = (description: string) => (target: object, key: string | symbol) => {
  ApiPropertyOptional({ description, minimum: 0, type: 'integer' })(target, key);
  IsOptional()(target, key);
  IsInt()(target, key);
  Min(0)(target, key);
};

const RiskLevel = (description: string) => (target: object, key: string | symbol) => {
  ApiProperty({ description, minimum: 1, maximum: 5, type: 'integer' })(target, key);
  IsInt()(target, key);
  Min(1)(target, key);
  Max(5)(target, key);
};

const LocalDateField = (description: string) => (target: object, key: string | symbol) => {
  ApiProperty({ description, format: 'date', example: '2025-03-18' })(target, key);
  IsLocalDate()(target, key);
};

const Flag = (description: string) => (target: object, key: string | symbol) => {
  ApiProperty({ description })(target, key);
  IsBoolean()(target, key);
};

const Text = (description: string, max = 500) => (target: object, key: string | symbol) => {
  ApiProperty({ description, maxLength: max })(target, key);
  IsString()(target, key);
  IsNotEmpty()(target, key);
  MaxLength(max)(target, key);
};

export class RecordDto {
  /** Named by the import line, or by the REST path (where the body may omit it). */
  @IsOptional()
  @IsString()
  kind?: string;
  @Code('The record\'s own id, chosen by the sender (UUID or any string ≤ 100 chars): sending it again with the same content changes nothing')
  id!: string;
}

export class DistrictDto extends RecordDto {
  @ApiProperty({ description: '区 official division code, e.g. 440111 (白云区)', example: '440111' })
  @IsString()
  @ValidateBy({ name: 'isDivisionCode', validator: { validate: (v) => typeof v === 'string' && /^\d{6}$/.test(v), defaultMessage: () => 'code must be a six-digit division code such as 440111' } })
  code!: string;
  @Text('区 name, e.g. 白云区', 100) name!: string;
}

export class CommunityDto {
  @Code('社区 code') code!: string;
  @Text('社区 name, e.g. 松柏岗', 100) name!: string;
}

export class AreaDto {
  @Code('片区 code') code!: string;
  @Text('片区 name, e.g. 一片区', 100) name!: string;
  @ApiProperty({ type: [CommunityDto], description: 'the communities (社区) of this area' })
  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => CommunityDto)
  communities!: CommunityDto[];
}

export class StationDto extends RecordDto {
  @Code('社工站 code') code!: string;
  @Text('社工站 name, e.g. 三元里街社工服务站', 200) name!: string;
  @Code('district code (区)') district!: string;
  @Text('街道 name, e.g. 三元里街', 100) street!: string;
  @Text('承办方 (operator organisation)', 200) operator!: string;
  @ApiProperty({ type: [AreaDto], description: '片区 and their 社区' })
  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => AreaDto)
  areas!: AreaDto[];
  @ApiPropertyOptional({ format: 'date', description: 'for a registered station: re-draw its areas from this date (new contract year); earlier records keep their places' })
  @IsOptional()
  @IsLocalDate()
  effectiveFrom?: string;
}

export class ContractDto extends RecordDto {
  @Code('采购项目编号 (procurement number), e.g. 440106-201808-102130-0013') code!: string;
  @Code('station code') station!: string;
  @LocalDateField('contract period start (服务期开始)') periodStart!: string;
  @LocalDateField('contract period end (服务期结束)') periodEnd!: string;
  @ApiProperty({ description: 'budget in 元 as a decimal string, e.g. "2400000.00"', example: '2400000.00' })
  @IsYuan()
  budgetYuan!: string;
  @ApiProperty({ description: '协议指标量: indicator code → target (money targets as decimal strings)', example: { phone_contacts: 3000, resources_linked_yuan: '60000.00' } })
  @IsTargets()
  targets!: Record<string, number | string>;
}

export class ContractAmendedDto extends RecordDto {
  @Code('采购项目编号 of the contract') contract!: string;
  @ApiProperty({ description: 'the changed targets (协议指标量)', example: { phone_contacts: 3200 } })
  @IsTargets()
  targets!: Record<string, number | string>;
  @Text('why the targets change') reason!: string;
}

/** Fields every service record carries. */
export class ServiceDto extends RecordDto {
  @Code('社工站 code') station!: string;
  @Code('社区 code (as drawn on the service date)') community!: string;
  @LocalDateField('the day the service happened') occurredOn!: string;
  @Code('the social worker (社工)') worker!: string;
}

export class PhoneContactDto extends ServiceDto {
  @OptionalCode('household served') household?: string;
  @Flag('电访 effective? a one-way SMS greeting is not an effective contact (false)') effective!: boolean;
}

export class HomeVisitDto extends ServiceDto {
  @OptionalCode('household visited') household?: string;
  @Flag('入户: did the worker enter the home?') entered!: boolean;
}

export class ConsultCaseClosedDto extends ServiceDto {
  @OptionalCode('household served') household?: string;
}

export class CaseOpenedDto extends ServiceDto {
  @Code('专业个案 id (scoped by station)') case!: string;
  @Code('household served') household!: string;
  @LocalDateField('知情同意 (informed consent) date: on or before occurredOn') consentOn!: string;
}

export class CaseSessionDto extends ServiceDto {
  @Code('专业个案 id') case!: string;
}

export class CaseClosedDto extends ServiceDto {
  @Code('专业个案 id') case!: string;
}

export class GroupFormedDto extends ServiceDto {
  @Code('小组 id (scoped by station)') group!: string;
  @Text('小组 title', 200) title!: string;
}

export class GroupSessionDto extends ServiceDto {
  @Code('小组 id') group!: string;
  @Count('attendance (人次)') attendance!: number;
}

export class ActivityDto extends ServiceDto {
  @ApiProperty({ enum: ['large', 'small'], description: '大型 (large) or 中小型 (small) community activity' })
  @IsIn(['large', 'small'])
  size!: 'large' | 'small';
  @Text('activity title', 200) title!: string;
  @Count('attendance (人次)') attendance!: number;
  @OptionalCount('partner organisations (合作单位)') partners?: number;
}

export class RegularServiceDto extends ServiceDto {
  @OptionalCount('attendance (人次)') attendance?: number;
}

export class OutreachDto extends ServiceDto {
  @Count('persons reached (外展人次)') reached!: number;
}

export class VolunteerRegisteredDto extends ServiceDto {
  @Code('volunteer id (scoped by station)') volunteer!: string;
}

export class VolunteerCoreDto extends ServiceDto {
  @Code('volunteer id') volunteer!: string;
}

export class VolunteerTeamFormedDto extends ServiceDto {
  @Code('志愿者队伍 id (scoped by station)') team!: string;
}

export class VolunteerTrainingDto extends ServiceDto {
  @ApiProperty({ enum: ['general', 'activity'], description: '通用性 (general) or 活动性 (activity) training' })
  @IsIn(['general', 'activity'])
  type!: 'general' | 'activity';
}

export class ResourceLinkedDto extends ServiceDto {
  @ApiProperty({ description: 'amount in 元 as a decimal string with at most two decimals, e.g. "523106.71"', example: '1200.50' })
  @IsYuan()
  amountYuan!: string;
  @ApiProperty({ enum: ['money', 'goods', 'venue'], description: '资源 type: money, goods (物资) or venue (场地)' })
  @IsIn(['money', 'goods', 'venue'])
  resourceType!: 'money' | 'goods' | 'venue';
  @Text('who gave it (来源)', 200) source!: string;
}

export class ContactDto {
  @ApiPropertyOptional({ description: 'name (personal data)' }) @IsOptional() @IsString() @MaxLength(100) name?: string;
  @ApiPropertyOptional({ description: 'id number (personal data)' }) @IsOptional() @IsString() @MaxLength(40) idNumber?: string;
  @ApiPropertyOptional({ description: 'phone (personal data)' }) @IsOptional() @IsString() @MaxLength(40) phone?: string;
}

export class HouseholdArchivedDto extends ServiceDto {
  @Code('household id (scoped by station)') household!: string;
  @Count('persons in the household archived (建档人数)', 1) persons!: number;
  @Text('困难群众/特殊群体 category, e.g. 低保, 特困, 独居长者', 100) category!: string;
  @RiskLevel('分级评估 risk level 1–5') riskLevel!: number;
  @ApiPropertyOptional({ type: ContactDto, description: 'personal data (protected; never in any feed)' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ContactDto)
  contact?: ContactDto;
}

export class HouseholdReassessedDto extends ServiceDto {
  @Code('household id') household!: string;
  @RiskLevel('new 分级评估 risk level 1–5') riskLevel!: number;
}

export class CorrectionDto extends RecordDto {
  @Code('id of the record (or correction) corrected') corrects!: string;
  @ApiProperty({ enum: ['void', 'replace'], description: 'void (作废) or replace (更正)' })
  @IsIn(['void', 'replace'])
  action!: 'void' | 'replace';
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'for replace: a whole record of the same kind (with its `kind`, without `id`)',
  })
  @IsOptional()
  @IsObject()
  replacement?: Record<string, unknown>;
  @Text('why (required); the actor is recorded with it') reason!: string;
}

/** The DTO of each kind, and what each kind is called in documentation. */
export const RECORD_DTOS = {
  district: DistrictDto,
  station: StationDto,
  contract: ContractDto,
  contract_amended: ContractAmendedDto,
  phone_contact: PhoneContactDto,
  home_visit: HomeVisitDto,
  consult_case_closed: ConsultCaseClosedDto,
  case_opened: CaseOpenedDto,
  case_session: CaseSessionDto,
  case_closed: CaseClosedDto,
  group_formed: GroupFormedDto,
  group_session: GroupSessionDto,
  activity: ActivityDto,
  regular_service: RegularServiceDto,
  outreach: OutreachDto,
  volunteer_registered: VolunteerRegisteredDto,
  volunteer_core: VolunteerCoreDto,
  volunteer_team_formed: VolunteerTeamFormedDto,
  volunteer_training: VolunteerTrainingDto,
  resource_linked: ResourceLinkedDto,
  household_archived: HouseholdArchivedDto,
  household_reassessed: HouseholdReassessedDto,
  correction: CorrectionDto,
} as const satisfies Record<RecordKind, new () => RecordDto>;
