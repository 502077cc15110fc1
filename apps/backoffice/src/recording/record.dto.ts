/**
 * One class-validator DTO per record kind of RECORDS.md: the structural rules (types, required
 * fields, real dates, non-negative counts, money as decimal strings), shared by the REST endpoints
 * and the NDJSON import through `validateRecord`. Domain rules live in the deciders.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  buildMessage,
  type ValidationOptions,
} from 'class-validator';
import { isMoney, STANDARD_INDICATORS } from '@app/indicators';
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
          (each) => `${each}$property must be a non-negative amount below 10,000,000,000 as a decimal string with at most two decimals, e.g. "523106.71" (never a number)`,
          options,
        ),
      },
    },
    options,
  );
}

const TARGET_CODE = /^[a-z][a-z0-9_]{0,63}$/;
/** "constructor" is lower_snake_case too: a code named like these would be read through any plain object's prototype. */
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
const MAX_TARGET = 1_000_000_000;
/** Standard code → whether it counts money: its target must then have that form, not merely some target form. */
const STANDARD_MONEY = new Map(STANDARD_INDICATORS.map((definition) => [definition.code, isMoney(definition)]));

const isWholeTarget = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TARGET;

function targetFault(code: string, target: unknown): string | undefined {
  if (!TARGET_CODE.test(code) || PROTOTYPE_NAMES.has(code)) {
    return `$property: ${JSON.stringify(code)} is not an indicator code (lower_snake_case, at most 64 characters, not a name of Object.prototype such as "constructor")`;
  }
  const money = STANDARD_MONEY.get(code);
  if (money === true) {
    return isYuanString(target) ? undefined : `$property.${code} counts money: its target must be a decimal string with at most two decimals, e.g. "60000.00" (never a number)`;
  }
  if (money === false) return isWholeTarget(target) ? undefined : `$property.${code} counts: its target must be a whole number from 0 to ${MAX_TARGET}`;
  return isWholeTarget(target) || isYuanString(target)
    ? undefined
    : `$property.${code} must be a whole number from 0 to ${MAX_TARGET}, or money as a decimal string with at most two decimals`;
}

function targetsFault(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '$property must map indicator codes to targets (an object)';
  for (const [code, target] of Object.entries(value)) {
    const fault = targetFault(code, target);
    if (fault) return fault;
  }
  return undefined;
}

/** 协议指标量: indicator code → whole number, or money as a decimal string; a standard code's target has its indicator's form. */
function IsTargets(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTargets',
      validator: {
        validate: (value) => targetsFault(value) === undefined,
        defaultMessage: (args) => targetsFault(args?.value) ?? '$property must map indicator codes to targets',
      },
    },
    options,
  );
}

/** A code ends up in a stream id (`case-{station}/{case}`): a "/" in one would make two keys one stream. */
const CONTROL_OR_SLASH = /[\u0000-\u001f\u007f/]/;
const NOT_SPACE = /\S/;
/** ES2023's lib does not declare it; Node 20 has it. */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Every text: not blank, and storable (PostgreSQL's json and text refuse U+0000; a lone surrogate has no UTF-8); key: and fit for a stream id. */
type TextRule = 'text' | 'key';

function textFault(value: unknown, rule: TextRule): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (!NOT_SPACE.test(value)) return 'must not be blank';
  if (rule === 'key' && CONTROL_OR_SLASH.test(value)) return 'must not contain "/" or control characters';
  if (value.includes('\0') || !isWellFormed(value)) return 'must not contain NUL or unpaired surrogate characters';
  return undefined;
}

/** One check for all of a text's rules (a record has many texts); the message says which one failed. */
const IsText = (rule: TextRule): PropertyDecorator =>
  ValidateBy({
    name: `isText_${rule}`,
    validator: {
      validate: (value) => textFault(value, rule) === undefined,
      defaultMessage: (args) => `$property ${textFault(args?.value, rule) ?? 'is not valid text'}`,
    },
  });

/**
 * Left out when absent, never null: IsOptional lets null through to be stored or refused later by a
 * rule that does not say why. Its null check must be the property's first rule (stopAtFirstError):
 * so it comes last among stacked decorators, which apply bottom-up.
 */
const Optional = (): PropertyDecorator => (target: object, key: string | symbol) => {
  ValidateIf((_object, value) => value !== undefined)(target, key);
  ValidateBy({
    name: 'isNotNull',
    validator: { validate: (value) => value !== null, defaultMessage: () => '$property must not be null (leave it out instead)' },
  })(target, key);
};

const Code = (description: string, rule: TextRule = 'text') => (target: object, key: string | symbol) => {
  ApiProperty({ description, maxLength: 100 })(target, key);
  IsString()(target, key);
  IsText(rule)(target, key);
  MaxLength(100)(target, key);
};

/** A place or a stream key (station, community, case, household …): no "/" or control characters. */
const Key = (description: string) => Code(description, 'key');

const OptionalKey = (description: string) => (target: object, key: string | symbol) => {
  ApiPropertyOptional({ description, maxLength: 100 })(target, key);
  Optional()(target, key);
  IsString()(target, key);
  IsText('key')(target, key);
  MaxLength(100)(target, key);
};

/** Far above any real count, far below where a sum would stop being exact. */
const MAX_COUNT = 1_000_000;

const Count = (description: string, min = 0) => (target: object, key: string | symbol) => {
  ApiProperty({ description, minimum: min, maximum: MAX_COUNT, type: 'integer' })(target, key);
  IsInt()(target, key);
  Min(min)(target, key);
  Max(MAX_COUNT)(target, key);
};

const OptionalCount = (description: string) => (target: object, key: string | symbol) => {
  ApiPropertyOptional({ description, minimum: 0, maximum: MAX_COUNT, type: 'integer' })(target, key);
  Optional()(target, key);
  IsInt()(target, key);
  Min(0)(target, key);
  Max(MAX_COUNT)(target, key);
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
  IsText('text')(target, key);
  MaxLength(max)(target, key);
};

const OptionalText = (description: string, max: number) => (target: object, key: string | symbol) => {
  ApiPropertyOptional({ description, maxLength: max })(target, key);
  Optional()(target, key);
  IsString()(target, key);
  IsText('text')(target, key);
  MaxLength(max)(target, key);
};

/** A nested DTO, or an array of them: validateRecord builds and checks nested instances from this. */
const NESTED = new Map<object, Map<string, () => new () => object>>();

const Nested = (type: () => new () => object, each = false) => (target: object, key: string | symbol) => {
  // ValidateNested passes an item that is itself an array (`[[]]`) as a list of nothing.
  if (each) IsObject({ each: true })(target, key);
  ValidateNested({ each })(target, key);
  const nested = NESTED.get(target) ?? new Map<string, () => new () => object>();
  nested.set(String(key), type);
  NESTED.set(target, nested);
};

/** The DTO class a nested property of `dto` holds, if it is one. */
export function nestedDto(dto: new () => object, property: string): (new () => object) | undefined {
  for (let proto: object | null = dto.prototype; proto !== null; proto = Object.getPrototypeOf(proto)) {
    const type = NESTED.get(proto)?.get(property);
    if (type) return type();
  }
  return undefined;
}

export class RecordDto {
  /** Named by the import line, or by the REST path (where the body may omit it). */
  @IsString()
  @Optional()
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
  @Key('社区 code') code!: string;
  @Text('社区 name, e.g. 松柏岗', 100) name!: string;
}

export class AreaDto {
  @Key('片区 code') code!: string;
  @Text('片区 name, e.g. 一片区', 100) name!: string;
  @ApiProperty({ type: [CommunityDto], description: 'the communities (社区) of this area' })
  @IsArray()
  @ArrayNotEmpty()
  @Nested(() => CommunityDto, true)
  communities!: CommunityDto[];
}

export class StationDto extends RecordDto {
  @Key('社工站 code') code!: string;
  @Text('社工站 name, e.g. 三元里街社工服务站', 200) name!: string;
  @Key('district code (区)') district!: string;
  @Text('街道 name, e.g. 三元里街', 100) street!: string;
  @Text('承办方 (operator organisation)', 200) operator!: string;
  @ApiProperty({ type: [AreaDto], description: '片区 and their 社区' })
  @IsArray()
  @ArrayNotEmpty()
  @Nested(() => AreaDto, true)
  areas!: AreaDto[];
  @ApiPropertyOptional({ format: 'date', description: 'for a registered station: re-draw its areas from this date (new contract year); earlier records keep their places' })
  @IsLocalDate()
  @Optional()
  effectiveFrom?: string;
}

export class ContractDto extends RecordDto {
  @Key('采购项目编号 (procurement number), e.g. 440106-201808-102130-0013') code!: string;
  @Key('station code') station!: string;
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
  @Key('采购项目编号 of the contract') contract!: string;
  @ApiProperty({ description: 'the changed targets (协议指标量)', example: { phone_contacts: 3200 } })
  @IsTargets()
  targets!: Record<string, number | string>;
  @Text('why the targets change') reason!: string;
}

/** Fields every service record carries. */
export class ServiceDto extends RecordDto {
  @Key('社工站 code') station!: string;
  @Key('社区 code (as drawn on the service date)') community!: string;
  @LocalDateField('the day the service happened') occurredOn!: string;
  @Code('the social worker (社工)') worker!: string;
}

export class PhoneContactDto extends ServiceDto {
  @OptionalKey('household served') household?: string;
  @Flag('电访 effective? a one-way SMS greeting is not an effective contact (false)') effective!: boolean;
}

export class HomeVisitDto extends ServiceDto {
  @OptionalKey('household visited') household?: string;
  @Flag('入户: did the worker enter the home?') entered!: boolean;
}

export class ConsultCaseClosedDto extends ServiceDto {
  @OptionalKey('household served') household?: string;
}

export class CaseOpenedDto extends ServiceDto {
  @Key('专业个案 id (scoped by station)') case!: string;
  @Key('household served') household!: string;
  @LocalDateField('知情同意 (informed consent) date: on or before occurredOn') consentOn!: string;
}

export class CaseSessionDto extends ServiceDto {
  @Key('专业个案 id') case!: string;
}

export class CaseClosedDto extends ServiceDto {
  @Key('专业个案 id') case!: string;
}

export class GroupFormedDto extends ServiceDto {
  @Key('小组 id (scoped by station)') group!: string;
  @Text('小组 title', 200) title!: string;
}

export class GroupSessionDto extends ServiceDto {
  @Key('小组 id') group!: string;
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
  @Key('volunteer id (scoped by station)') volunteer!: string;
}

export class VolunteerCoreDto extends ServiceDto {
  @Key('volunteer id') volunteer!: string;
}

export class VolunteerTeamFormedDto extends ServiceDto {
  @Key('志愿者队伍 id (scoped by station)') team!: string;
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
  @OptionalText('name (personal data)', 100) name?: string;
  @OptionalText('id number (personal data)', 40) idNumber?: string;
  @OptionalText('phone (personal data)', 40) phone?: string;
}

export class HouseholdArchivedDto extends ServiceDto {
  @Key('household id (scoped by station)') household!: string;
  @Count('persons in the household archived (建档人数)', 1) persons!: number;
  @Text('困难群众/特殊群体 category, e.g. 低保, 特困, 独居长者', 100) category!: string;
  @RiskLevel('分级评估 risk level 1–5') riskLevel!: number;
  @ApiPropertyOptional({ type: ContactDto, description: 'personal data (protected; never in any feed)' })
  @Nested(() => ContactDto)
  @IsObject()
  @Optional()
  contact?: ContactDto;
}

export class HouseholdReassessedDto extends ServiceDto {
  @Key('household id') household!: string;
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
  @IsObject()
  @Optional()
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
