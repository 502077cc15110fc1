import type { RecordingEvent } from '@app/recording';

/**
 * The one place personal data (a household's `contact`: name, id number, phone) passes on its way
 * into an event. For now it is kept as given; access control will swap this for encryption. The
 * function sees fresh content (a new household_archived, a correction's replacement) and content
 * already stored (a correction's `before`, or the `after` that voiding a correction restores), so
 * a replacement must leave already-protected values as they are.
 */
export function protectPersonalData(event: RecordingEvent): RecordingEvent {
  return event;
}
