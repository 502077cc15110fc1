import { isSealedContact, type SealedContact } from '@app/auth';
import { householdSubject, type HouseholdKeyring } from '@app/platform';
import type { AnyRecord, Contact, RecordingEvent, ServiceRecordBody } from '@app/recording';

type WithContact = { station: string; household: string; contact?: Contact | SealedContact };

/** The household_archived record or replacement whose contact a record states, if any. */
function bodyWithContact(record: AnyRecord): ServiceRecordBody<'household_archived'> | undefined {
  const body = record.kind === 'correction' ? record.replacement : record;
  return body?.kind === 'household_archived' && body.contact ? (body as ServiceRecordBody<'household_archived'>) : undefined;
}

/** Whether a record states a household's contact (a household_archived, or a correction's replacement). */
export const statesContact = (record: AnyRecord): boolean => bodyWithContact(record) !== undefined;

/** The households whose contact these records state: their keys are loaded (or made) first. */
export function householdsWithContact(records: readonly AnyRecord[]): string[] {
  const subjects: string[] = [];
  for (const record of records) {
    const body = bodyWithContact(record);
    if (body) subjects.push(householdSubject(body.station, body.household));
  }
  return subjects;
}

/** What a record stating a contact in plain is hashed as (see ChunkDecision's hashes). */
export interface ContactHashing {
  /** The record with the contact replaced by its keyed fingerprint, or by `erased` once the household's key is gone. */
  keyed: AnyRecord;
  /** The record without its contact: whether a re-sent record is the same once its contact can no longer be compared. */
  contactFree: AnyRecord;
  erased: boolean;
}

/**
 * How a record stating a contact in plain is hashed: a plain hash of it, stored in every event's
 * metadata, would let anyone with the log confirm guesses of a phone or id number (few enough to
 * try them all), erased or not. Undefined for a record without a plain contact.
 */
export function contactHashing(record: AnyRecord, keyring: HouseholdKeyring): ContactHashing | undefined {
  const body = bodyWithContact(record);
  if (!body?.contact || isSealedContact(body.contact)) return undefined;
  const { contact, ...contactFree } = body;
  const fingerprint = keyring.fingerprint(householdSubject(body.station, body.household), contact);
  const keyed = { ...body, contact: fingerprint ? { fingerprint } : { erased: true } };
  // The body is the record itself (with its id), or a correction's replacement.
  const inRecord = (form: object): AnyRecord => (record.kind === 'correction' ? { ...record, replacement: form as ServiceRecordBody } : (form as AnyRecord));
  return { keyed: inRecord(keyed), contactFree: inRecord(contactFree), erased: fingerprint === undefined };
}

/**
 * The one place personal data (a household's `contact`: name, id number, phone) passes on its way
 * into an event: sealed under the household's key (AES-256-GCM). The function sees fresh content (a
 * new household_archived, a correction's replacement) and content already stored (a correction's
 * `before`, or the `after` that voiding a correction restores); sealed values stay as they are. A
 * household whose key was erased has its contact dropped.
 */
export function protectPersonalData(event: RecordingEvent, keyring: HouseholdKeyring): RecordingEvent {
  if (event.type === 'HouseholdArchived') return { ...event, data: seal(event.data, keyring) };
  if (event.type === 'RecordCorrected') {
    const { before, after } = event.data;
    return { ...event, data: { ...event.data, before: sealBody(before, keyring), after: sealBody(after, keyring) } };
  }
  return event;
}

function sealBody(body: ServiceRecordBody | null, keyring: HouseholdKeyring): ServiceRecordBody | null {
  return body?.kind === 'household_archived' ? seal(body, keyring) : body;
}

function seal<T extends WithContact>(data: T, keyring: HouseholdKeyring): T {
  if (data.contact === undefined) return data;
  const { contact, ...rest } = data;
  const sealed = keyring.protect(householdSubject(data.station, data.household), contact);
  // The event's published shape keeps `contact`; what it holds is the sealed form.
  return (sealed ? { ...rest, contact: sealed } : rest) as T;
}
