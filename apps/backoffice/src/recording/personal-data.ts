import { isSealedContact, type SealedContact } from '@app/auth';
import { householdSubject, type HouseholdKeyring } from '@app/platform';
import type { AnyRecord, Contact, RecordingEvent, ServiceRecordBody } from '@app/recording';

type WithContact = { station: string; household: string; contact?: Contact | SealedContact };

/** The households whose contact a batch states in plain: their keys are loaded (or made) first. */
export function householdsWithContact(records: readonly AnyRecord[]): string[] {
  return records.flatMap((record) => {
    const body = record.kind === 'correction' ? record.replacement : record;
    return body?.kind === 'household_archived' && body.contact ? [householdSubject(body.station, body.household)] : [];
  });
}

/**
 * What a record's content hash is taken of when it states a contact in plain: the record with the
 * contact replaced by its keyed fingerprint (or by `erased`, the household's key being gone), so
 * that the hash stored in every event's metadata gives no way to test guesses of the contact.
 * Undefined for a record without a plain contact (its hash is of the record as sent).
 */
export function hashableWithoutContact(record: AnyRecord, keyring: HouseholdKeyring): AnyRecord | undefined {
  if (record.kind === 'correction') {
    const replacement = record.replacement && hashableBody(record.replacement, keyring);
    return replacement && { ...record, replacement };
  }
  return record.kind === 'household_archived' ? (hashableBody(record as unknown as ServiceRecordBody, keyring) as unknown as AnyRecord | undefined) : undefined;
}

function hashableBody(body: ServiceRecordBody, keyring: HouseholdKeyring): ServiceRecordBody | undefined {
  if (body.kind !== 'household_archived' || !body.contact || isSealedContact(body.contact)) return undefined;
  const fingerprint = keyring.fingerprint(householdSubject(body.station, body.household), body.contact);
  return { ...body, contact: fingerprint ? { fingerprint } : { erased: true } } as unknown as ServiceRecordBody;
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
