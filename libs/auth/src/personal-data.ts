import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { invalid } from '@app/kernel';

/** Personal data of a person served (RECORDS.md `household_archived.contact`). */
export interface Contact {
  name?: string;
  idNumber?: string;
  phone?: string;
}

/**
 * A contact as it is stored, in events included: AES-256-GCM under the household's own key, with
 * the household id as associated data (a sealed contact cannot be moved to another household).
 * Destroying the key (erasure, 被遗忘权) leaves only this unreadable string.
 */
export interface SealedContact {
  sealed: string;
}

const VERSION = 'v1';
export const HOUSEHOLD_KEY_BYTES = 32;

export const newHouseholdKey = (): Buffer => randomBytes(HOUSEHOLD_KEY_BYTES);

/**
 * A household key as stored: AES-256-GCM under the platform's master key, with the household as
 * associated data, so a copy of the database alone opens no contact and a stored key cannot be moved
 * to another household. Layout: version byte, IV (12), tag (16), the wrapped key (32).
 */
const WRAP_VERSION = 1;
export const WRAPPED_KEY_BYTES = 1 + 12 + 16 + HOUSEHOLD_KEY_BYTES;

export function wrapHouseholdKey(master: Buffer, household: string, key: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master, iv);
  cipher.setAAD(Buffer.from(household, 'utf8'));
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([Buffer.from([WRAP_VERSION]), iv, cipher.getAuthTag(), body]);
}

/**
 * The household key from its stored form. A key stored before keys were wrapped (its 32 raw bytes)
 * is read as it is until it is wrapped. Throws when the stored key was not wrapped with this master
 * key for this household (a wrong master key must stop the reader, not pass for an erased household).
 */
export function unwrapHouseholdKey(master: Buffer, household: string, stored: Buffer): Buffer {
  if (stored.length === HOUSEHOLD_KEY_BYTES) return stored;
  if (stored.length !== WRAPPED_KEY_BYTES || stored[0] !== WRAP_VERSION) throw new Error(`household key of ${household} has an unknown form`);
  const decipher = createDecipheriv('aes-256-gcm', master, stored.subarray(1, 13));
  decipher.setAAD(Buffer.from(household, 'utf8'));
  decipher.setAuthTag(stored.subarray(13, 29));
  try {
    return Buffer.concat([decipher.update(stored.subarray(29)), decipher.final()]);
  } catch {
    throw new Error(`household key of ${household} does not unwrap with this master key (HOUSEHOLD_MASTER_KEY)`);
  }
}

export function sealContact(key: Buffer, household: string, contact: Contact): SealedContact {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(household, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(contact), 'utf8'), cipher.final()]);
  return { sealed: [VERSION, iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.') };
}

/** Throws `invalid` when the text was not sealed with this key for this household. */
export function openContact(key: Buffer, household: string, sealed: SealedContact): Contact {
  const [version, iv, tag, body] = sealed.sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) throw invalid('contact_unreadable', 'sealed contact is malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(household, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')) as Contact;
  } catch {
    throw invalid('contact_unreadable', 'sealed contact does not open with this household key');
  }
}

export const isSealedContact = (value: unknown): value is SealedContact =>
  typeof value === 'object' && value !== null && typeof (value as SealedContact).sealed === 'string';

/** What a response shows of a contact. */
export type ShownContact = (Contact & { masked?: boolean }) | { erased: true };

/**
 * The masked form for roles that see files but not people: the family name, the phone's first
 * three and last four digits, the id number's region code (first six) and last four.
 */
export function maskContact(contact: Contact): Contact & { masked: true } {
  return {
    ...(contact.name !== undefined && { name: maskKeeping(contact.name, 1, 0) }),
    ...(contact.idNumber !== undefined && { idNumber: maskKeeping(contact.idNumber, 6, 4) }),
    ...(contact.phone !== undefined && { phone: maskKeeping(contact.phone, 3, 4) }),
    masked: true,
  };
}

function maskKeeping(value: string, head: number, tail: number): string {
  const chars = [...value];
  if (chars.length <= head + tail) return '*'.repeat(chars.length);
  return chars.slice(0, head).join('') + '*'.repeat(chars.length - head - tail) + (tail ? chars.slice(-tail).join('') : '');
}
