import { contentHash, deterministicUuid } from '@app/event-store';
import type { AnyRecord } from '@app/recording';

/** A record's event id follows from the record id: a re-sent record is found by its event id. */
export const recordEventId = (recordId: string): string => deterministicUuid('socialwork.record', recordId);

/**
 * What a record is known by in the log, index for index with a batch: its event id (idempotency)
 * and the hash of its content (a repeat or a conflict). They depend on the record alone, so an
 * import computes them while parsing, off the path where chunks wait for each other.
 */
export class RecordIdentities {
  constructor(
    readonly eventIds: string[] = [],
    readonly hashes: string[] = [],
  ) {}

  static of(records: readonly AnyRecord[]): RecordIdentities {
    const identities = new RecordIdentities();
    for (const record of records) identities.add(record);
    return identities;
  }

  add(record: AnyRecord): void {
    this.eventIds.push(recordEventId(record.id));
    this.hashes.push(contentHash(record));
  }
}
