/**
 * The pure projection: one recorded event in, the indicator changes it causes out. No I/O; the only
 * state is the occurrences of distinct values, which the caller keeps (in memory, or loaded from and
 * saved to its tables around a batch).
 */
import type { LocalDate } from '@app/kernel';
import { SERVICE_KIND_OF_EVENT, serviceRecordOf, type RecordCorrected, type ServiceRecordBody } from '@app/recording';
import { amountOf, distinctValueOf, type IndicatorDefinition } from './definitions.js';

/** A change of one indicator total at the finest grain: community × day. */
export interface IndicatorChange {
  code: string;
  station: string;
  community: string;
  occurredOn: LocalDate;
  /** Count, sum, or fen for money; negative when a correction takes something away. */
  delta: bigint;
  /** The record (service record or correction) whose recording caused the change. */
  recordId: string;
  /** For corrections: the reason given (更正原因). */
  reason?: string;
}

export interface Occurrence {
  community: string;
  occurredOn: LocalDate;
}

/**
 * Occurrences of distinct values: per (indicator code, station, value), the service records (by id)
 * that carry it. The value counts at its earliest occurrence (day, then community, then id).
 * A runner need not hold every occurrence: for each key an event batch mentions, the earliest
 * `1 + mentions` stored ones suffice (each mention removes at most one, so the earliest survivor
 * is among them); what the batch sets and deletes is handed back by `takeChanges`.
 */
export class DistinctState {
  readonly values = new Map<string, Map<string, Occurrence>>();
  /** Per key, the records whose occurrence was set or deleted since the last `takeChanges`. */
  private readonly changed = new Map<string, Set<string>>();

  static key(code: string, station: string, value: string): string {
    return JSON.stringify([code, station, value]);
  }

  get(key: string): Map<string, Occurrence> {
    let occurrences = this.values.get(key);
    if (!occurrences) {
      occurrences = new Map();
      this.values.set(key, occurrences);
    }
    return occurrences;
  }

  set(key: string, recordId: string, occurrence: Occurrence): void {
    this.get(key).set(recordId, occurrence);
    this.note(key, recordId);
  }

  delete(key: string, recordId: string): void {
    this.get(key).delete(recordId);
    this.note(key, recordId);
  }

  /** Occurrences set (`occurrence`) or deleted (`undefined`) since the last call, last state each. */
  takeChanges(): { key: string; recordId: string; occurrence: Occurrence | undefined }[] {
    const changes = [...this.changed].flatMap(([key, ids]) => [...ids].map((recordId) => ({ key, recordId, occurrence: this.values.get(key)?.get(recordId) })));
    this.changed.clear();
    return changes;
  }

  private note(key: string, recordId: string): void {
    let ids = this.changed.get(key);
    if (!ids) this.changed.set(key, (ids = new Set()));
    ids.add(recordId);
  }
}

export function earliest(occurrences: ReadonlyMap<string, Occurrence>): (Occurrence & { recordId: string }) | undefined {
  let best: (Occurrence & { recordId: string }) | undefined;
  for (const [recordId, o] of occurrences) {
    if (
      !best ||
      o.occurredOn < best.occurredOn ||
      (o.occurredOn === best.occurredOn && (o.community < best.community || (o.community === best.community && recordId < best.recordId)))
    ) {
      best = { ...o, recordId };
    }
  }
  return best;
}

/** The record a service event states, or a correction's before/after, with the ids that matter. */
export interface RecordEffect {
  base: string;
  causedBy: string;
  before: ServiceRecordBody | null;
  after: ServiceRecordBody | null;
  reason?: string;
}

/** An event's effect on the records (undefined for events that record no service): computed once per event by a runner. */
export function effectOf(event: { type: string; data: unknown }): RecordEffect | undefined {
  if (event.type === 'RecordCorrected') {
    const data = event.data as RecordCorrected['data'];
    return { base: data.base, causedBy: data.recordId, before: data.before, after: data.after, reason: data.reason };
  }
  const record = serviceRecordOf(event);
  if (!record) return undefined;
  const recordId = (event.data as { recordId: string }).recordId;
  return { base: recordId, causedBy: recordId, before: null, after: record };
}

/** The distinct-state keys an event may touch, once per mention: what a runner loads before projecting a batch. */
export function distinctKeysOf(
  event: { type: string; data: unknown },
  definitions: readonly IndicatorDefinition[],
  effect: RecordEffect | undefined = effectOf(event),
): string[] {
  if (!effect) return [];
  const keys: string[] = [];
  for (const definition of definitions) {
    for (const record of [effect.before, effect.after]) {
      const value = distinctValueOf(definition, record);
      if (record && value !== undefined) keys.push(DistinctState.key(definition.code, record.station, value));
    }
  }
  return keys;
}

/** Event types the projection reads (service events and corrections). */
export const PROJECTED_EVENT_TYPES: readonly string[] = [...Object.keys(SERVICE_KIND_OF_EVENT), 'RecordCorrected'];

/**
 * The changes an event causes to every given definition. A correction applies `after - before`
 * (a void: `- before`; a replacement into another community or day moves the amount there).
 */
export function projectEvent(
  event: { type: string; data: unknown },
  definitions: readonly IndicatorDefinition[],
  distinct: DistinctState,
  effect: RecordEffect | undefined = effectOf(event),
): IndicatorChange[] {
  if (!effect) return [];
  const changes: IndicatorChange[] = [];
  const emit = (code: string, place: ServiceRecordBody | Occurrence & { station: string }, delta: bigint) => {
    if (delta === 0n) return;
    changes.push({
      code,
      station: place.station,
      community: place.community,
      occurredOn: place.occurredOn,
      delta,
      recordId: effect.causedBy,
      ...(effect.reason !== undefined ? { reason: effect.reason } : {}),
    });
  };
  for (const definition of definitions) {
    // A definition counts one kind of record: most of the catalog has nothing to do with this one.
    if (definition.kind !== effect.before?.kind && definition.kind !== effect.after?.kind) continue;
    if (definition.measure.type === 'distinct') {
      projectDistinct(definition, effect, distinct, emit);
      continue;
    }
    const { before, after } = effect;
    const removed = amountOf(definition, before);
    const added = amountOf(definition, after);
    if (before && after && samePlace(before, after)) {
      emit(definition.code, after, added - removed);
    } else {
      if (before) emit(definition.code, before, -removed);
      if (after) emit(definition.code, after, added);
    }
  }
  return changes;
}

const samePlace = (a: ServiceRecordBody, b: ServiceRecordBody) =>
  a.station === b.station && a.community === b.community && a.occurredOn === b.occurredOn;

function projectDistinct(
  definition: IndicatorDefinition,
  effect: RecordEffect,
  distinct: DistinctState,
  emit: (code: string, place: Occurrence & { station: string }, delta: bigint) => void,
): void {
  const touched = new Map<string, { station: string; was?: Occurrence & { recordId: string } }>();
  const touch = (record: ServiceRecordBody, value: string) => {
    const key = DistinctState.key(definition.code, record.station, value);
    if (!touched.has(key)) touched.set(key, { station: record.station, was: earliest(distinct.get(key)) });
    return key;
  };
  const beforeValue = distinctValueOf(definition, effect.before);
  if (effect.before && beforeValue !== undefined) distinct.delete(touch(effect.before, beforeValue), effect.base);
  const afterValue = distinctValueOf(definition, effect.after);
  if (effect.after && afterValue !== undefined) {
    distinct.set(touch(effect.after, afterValue), effect.base, { community: effect.after.community, occurredOn: effect.after.occurredOn });
  }
  for (const [key, { station, was }] of touched) {
    const now = earliest(distinct.get(key));
    if (was && now && was.community === now.community && was.occurredOn === now.occurredOn) continue;
    if (was) emit(definition.code, { ...was, station }, -1n);
    if (now) emit(definition.code, { ...now, station }, 1n);
  }
}
