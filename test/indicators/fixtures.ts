import { randomUUID } from 'node:crypto';
import type { AppendRequest, NewEvent } from '@app/event-store';
import { SERVICE_EVENT_TYPE, type AreaSpec, type ServiceRecordBody } from '@app/recording';

/** Events as the recording side appends them, built directly so these tests need no command side. */
export const event = (type: string, data: object, actor = 'worker:test'): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { actor, recordId: (data as { recordId?: string }).recordId },
});

export const append = (streamId: string, events: NewEvent[], expectedVersion: AppendRequest['expectedVersion'] = 'any'): AppendRequest => ({
  streamId,
  streamType: 'record',
  expectedVersion,
  events,
});

export function stationRegistered(code: string, district: string, areas: AreaSpec[]): NewEvent {
  return event('StationRegistered', { recordId: `station-${code}`, code, name: code, district, street: code, operator: 'NGO', areas });
}

export function serviceEvent(recordId: string, body: ServiceRecordBody, actor?: string): NewEvent {
  const { kind, ...fields } = body;
  return event(SERVICE_EVENT_TYPE[kind], { recordId, ...fields }, actor);
}

export function corrected(
  recordId: string,
  base: string,
  before: ServiceRecordBody | null,
  after: ServiceRecordBody | null,
  reason: string,
  actor = 'worker:corrector',
): NewEvent {
  return event('RecordCorrected', { recordId, corrects: base, base, action: after ? 'replace' : 'void', reason, before, after }, actor);
}

export function contractSigned(code: string, station: string, periodStart: string, periodEnd: string, targets: Record<string, number | string>): NewEvent {
  return event('ContractSigned', { recordId: `contract-${code}`, code, station, periodStart, periodEnd, budgetYuan: '2400000.00', targets });
}

export function targetsAmended(recordId: string, contract: string, station: string, targets: Record<string, number | string>, reason: string): NewEvent {
  return event('ContractTargetsAmended', { recordId, contract, station, targets, reason });
}

export const area = (code: string, communities: string[]): AreaSpec => ({
  code,
  name: code,
  communities: communities.map((c) => ({ code: c, name: c })),
});
