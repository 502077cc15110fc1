import { getMetadataStorage, validateSync, type ValidationArguments, type ValidationError } from 'class-validator';
import { isSetupKind, type AnyRecord, type RecordKind } from '@app/recording';
import { nestedDto, RECORD_DTOS, type RecordDto } from './record.dto.js';

export type Validated = { ok: true; record: AnyRecord } | { ok: false; reason: string };

type Dto = new () => RecordDto;

const KINDS = Object.keys(RECORD_DTOS) as RecordKind[];
const OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};

const isKind = (kind: unknown): kind is RecordKind => typeof kind === 'string' && Object.hasOwn(RECORD_DTOS, kind);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Structural check of one record (an import line or a REST body), shared by both edges: the kind's
 * DTO decides. The reason names every failing field and its rule; the record is returned as sent.
 */
export function validateRecord(input: unknown): Validated {
  if (!isObject(input)) return { ok: false, reason: 'a record must be a JSON object' };
  const reasons = reasonsFor(input, '');
  if (reasons.length === 0 && input.kind === 'correction') reasons.push(...replacementReasons(input));
  return reasons.length === 0 ? { ok: true, record: input as unknown as AnyRecord } : { ok: false, reason: reasons.join('; ') };
}

function reasonsFor(input: Record<string, unknown>, prefix: string): string[] {
  if (!isKind(input.kind)) {
    const got = input.kind === undefined ? 'it is missing' : `got ${JSON.stringify(input.kind)}`;
    return [`${prefix}kind must be one of ${KINDS.join(', ')} (${got})`];
  }
  const dto = RECORD_DTOS[input.kind] as Dto;
  if (passes(dto, input)) return [];
  const undeclared = undeclaredKeys(dto, input, prefix);
  if (undeclared.length > 0) return undeclared;
  return flatten(validateSync(instanceOf(dto, input), OPTIONS), prefix, input);
}

/**
 * The DTO instance class-validator reads, nested DTOs included. Not class-transformer's plainToInstance:
 * it takes a plain object's class from its `constructor` key (`{"targets": {"constructor": 1}}` threw)
 * and sets an own `__proto__` key as the copy's prototype. Only declared keys reach here.
 */
function instanceOf(dto: new () => object, input: Record<string, unknown>): object {
  const instance = new dto() as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    const nested = nestedDto(dto, key);
    const value = input[key];
    if (nested && isObject(value)) instance[key] = instanceOf(nested, value);
    else if (nested && Array.isArray(value)) instance[key] = value.map((item: unknown) => (isObject(item) ? instanceOf(nested, item) : item));
    else instance[key] = value;
  }
  return instance;
}

/**
 * Keys the DTO (or a nested one) does not declare, on the object as sent and by own keys only:
 * class-validator's whitelist looks keys up through Object.prototype (`constructor` passed it).
 */
function undeclaredKeys(dto: new () => object, input: Record<string, unknown>, prefix: string, reasons: string[] = []): string[] {
  const known = declaredOf(dto);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) {
      reasons.push(`${prefix}${key}: property ${key} should not exist`);
      continue;
    }
    const nested = nestedDto(dto, key);
    const value = input[key];
    if (!nested) continue;
    if (isObject(value)) undeclaredKeys(nested, value, `${prefix}${key}.`, reasons);
    else if (Array.isArray(value)) value.forEach((item, i) => isObject(item) && undeclaredKeys(nested, item, `${prefix}${key}.${i}.`, reasons));
  }
  return reasons;
}

const declared = new Map<new () => object, Set<string>>();

function declaredOf(dto: new () => object): Set<string> {
  let names = declared.get(dto);
  if (!names) {
    names = new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((m) => m.propertyName));
    declared.set(dto, names);
  }
  return names;
}

/** A replacement is a whole record of a service kind, without an id: it keeps the corrected record's. */
function replacementReasons(input: Record<string, unknown>): string[] {
  const { action, replacement } = input;
  if (action === 'void') return replacement === undefined ? [] : ['replacement must be absent when action is void'];
  if (!isObject(replacement)) return ['replacement must be a whole record (an object) when action is replace'];
  if (Object.hasOwn(replacement, 'id')) return ['replacement.id must be absent: a replacement keeps the id of the record it corrects'];
  const kind = replacement.kind;
  if (kind === 'correction' || isSetupKind(kind)) {
    return [`replacement.kind must be a service kind, not ${kind}`];
  }
  return reasonsFor({ ...replacement, id: input.corrects }, 'replacement.');
}

/** class-validator's errors as "path: rule" texts; a field that is absent is said to be required. */
function flatten(errors: ValidationError[], prefix: string, object: Record<string, unknown> | undefined = undefined): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    const value = object?.[error.property];
    if (object && value === undefined && !error.children?.length) return [`${path} is required`];
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? `${prefix}${message}` : `${path}: ${message}`,
    );
    const child = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
    return [...own, ...flatten(error.children ?? [], `${path}.`, child)];
  });
}

/**
 * class-validator spends ~15 µs a record on its generic machinery; imports need far less. So each
 * DTO's own metadata (the same decorators) is compiled once into plain checks that can only say
 * "valid": anything they cannot decide (an unknown field, a failing check, a nested object) goes to
 * class-validator itself, which gives the reasons. Both read one set of rules.
 */
interface FastProperty {
  name: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  checks: ((value: unknown, object: object) => boolean)[];
  /** Needs a nested instance and its validation: left to the slow path unless absent. */
  nested: boolean;
}

const compiled = new Map<Dto, { properties: FastProperty[]; known: Set<string> } | null>();

function compile(dto: Dto): { properties: FastProperty[]; known: Set<string> } | null {
  const storage = getMetadataStorage();
  const byName = new Map<string, FastProperty>();
  for (const m of storage.getTargetValidationMetadatas(dto, '', true, false)) {
    if (m.each || m.validateIf || (m.groups && m.groups.length > 0)) return null;
    const property = byName.get(m.propertyName) ?? { name: m.propertyName, conditions: [], checks: [], nested: false };
    byName.set(m.propertyName, property);
    if (m.type === 'conditionalValidation') property.conditions.push(m.constraints[0]);
    else if (m.type === 'nestedValidation') property.nested = true;
    else if (m.type === 'customValidation') {
      for (const constraint of storage.getTargetValidatorConstraints(m.constraintCls)) {
        if (constraint.async) return null;
        property.checks.push(checkOf(dto, m, constraint.instance as Validator));
      }
    } else return null;
  }
  return { properties: [...byName.values()], known: declaredOf(dto) };
}

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];
type Validator = { validate: (value: unknown, args: ValidationArguments) => boolean };

/**
 * One decorator's check as a function of the value: the plain test of a built-in rule where it
 * implies the rule holds, else the rule's own validator. Its arguments object is made once and
 * filled per call (checks run synchronously, one at a time): an import validates millions of fields.
 */
function checkOf(dto: Dto, m: ValidationMetadata, validator: Validator): (value: unknown, object: object) => boolean {
  const direct = directCheck(m.name ?? '', m.constraints ?? []);
  if (direct) return direct;
  const args: ValidationArguments = { targetName: dto.name, property: m.propertyName, object: {}, value: undefined, constraints: m.constraints };
  return (value: unknown, object: object): boolean => {
    args.object = object;
    args.value = value;
    return validator.validate(value, args);
  };
}

/**
 * class-validator's built-in rules by name, as plain tests that pass only where the rule passes (a
 * value they refuse goes to class-validator itself, which decides). maxLength counts a surrogate
 * pair as one: a string no longer than the limit in UTF-16 units passes it.
 */
function directCheck(name: string, constraints: unknown[]): ((value: unknown) => boolean) | undefined {
  const [limit] = constraints;
  const bound = typeof limit === 'number';
  switch (name) {
    case 'isString':
      return (value) => typeof value === 'string';
    case 'isNotEmpty':
      return (value) => value !== '' && value !== null && value !== undefined;
    case 'isBoolean':
      return (value) => typeof value === 'boolean';
    case 'isInt':
      return (value) => Number.isInteger(value);
    case 'maxLength':
      return bound ? (value) => typeof value === 'string' && value.length <= limit : undefined;
    case 'min':
      return bound ? (value) => typeof value === 'number' && value >= limit : undefined;
    case 'max':
      return bound ? (value) => typeof value === 'number' && value <= limit : undefined;
    case 'isIn':
      return Array.isArray(limit) ? (value) => limit.includes(value) : undefined;
    default:
      return undefined;
  }
}

function passes(dto: Dto, input: Record<string, unknown>): boolean {
  let plan = compiled.get(dto);
  if (plan === undefined) {
    plan = compile(dto);
    compiled.set(dto, plan);
  }
  if (!plan) return false;
  // A Set holds only its own entries: `constructor` or `__proto__` is unknown here, never inherited.
  for (const key in input) if (!plan.known.has(key)) return false;
  for (const property of plan.properties) {
    const value = input[property.name];
    if (!applies(property, input, value)) continue;
    if (property.nested) return false;
    for (const check of property.checks) if (!check(value, input)) return false;
  }
  return true;
}

function applies(property: FastProperty, input: object, value: unknown): boolean {
  for (const condition of property.conditions) if (!condition(input, value)) return false;
  return true;
}
