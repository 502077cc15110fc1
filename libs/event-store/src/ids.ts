import { createHash, hash as oneShotHash, randomUUID, type BinaryToTextEncoding } from 'node:crypto';

/**
 * One-shot digest (Node ≥ 20.12): a tenth of the cost of a Hash object for short inputs, which an
 * import pays twice per line. The fallback keeps older Node 20 releases working.
 */
const digest: (algorithm: string, data: string, encoding: BinaryToTextEncoding) => string =
  typeof oneShotHash === 'function' ? oneShotHash : (algorithm, data, encoding) => createHash(algorithm).update(data).digest(encoding);

/** The character of the RFC 4122 variant (10xx) for each hex digit of the hash at that place, by character code. */
const VARIANT: Record<number, number> = Object.fromEntries([...'0123456789abcdef'].map((c) => [c.charCodeAt(0), '89ab'.charCodeAt(parseInt(c, 16) & 3)]));
const DASH = 0x2d;
/** The id's character codes, reused (dashes stay in place): one call makes the id from them. */
const UUID_CODES: number[] = new Array<number>(36).fill(DASH);

/**
 * A stable event id from a name (RFC 4122 version 5 layout over SHA-1 of `namespace \0 name`). The
 * same record id always maps to the same event id, so a re-sent import line is recognised by the
 * unique index: the ids are stored, so this mapping must never change.
 *
 * Made as one flat string from character codes: pieces joined with a template make a tree of
 * strings, which an import keeps for every record of the chunks it holds (copying those trees was
 * 30% of its garbage collection).
 */
export function deterministicUuid(namespace: string, name: string): string {
  const hex = digest('sha1', `${namespace}\u0000${name}`, 'hex');
  for (let i = 0, at = 0; i < 32; i++, at++) {
    if (i === 8 || i === 12 || i === 16 || i === 20) at++;
    UUID_CODES[at] = hex.charCodeAt(i);
  }
  UUID_CODES[14] = 0x35; // version 5
  UUID_CODES[19] = VARIANT[UUID_CODES[19]!]!;
  return String.fromCharCode.apply(null, UUID_CODES);
}

export const newEventId = (): string => randomUUID();

/**
 * Canonical JSON (sorted keys) hashed: equal content gives an equal hash whatever the key order.
 * Hashes are stored with the events (a re-sent record is compared by them): the form must never change.
 */
export function contentHash(value: unknown): string {
  return digest('sha256', canonicalJson(value), 'base64url');
}

/** JSON with every object's keys in code-unit order and undefined members left out; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = sortKeys(Object.keys(object));
  // Most records are plain objects of strings, numbers, booleans and nulls: a copy made in sorted key
  // order is written by JSON.stringify in one flat string (no pieces to join; hashing reads it as is),
  // on its fast path (a key-list replacer takes the slow one: twice the time).
  // Not other objects: a toJSON of theirs (a Date's) would be called.
  if (Object.getPrototypeOf(object) === Object.prototype && allPlain(object, keys)) {
    const sorted: Record<string, unknown> = {};
    for (const key of keys) sorted[key] = object[key];
    return JSON.stringify(sorted);
  }
  let out = '{';
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(member);
  }
  return `${out}}`;
}

/**
 * Whether a copy with these keys added in order is written as canonicalJson writes the object: every
 * member a primitive JSON value (undefined is left out by both), and every key kept in the order it
 * is added. Objects list integer-like keys first, and `__proto__` would set the copy's prototype: a
 * key starting with a digit, or that one, takes the general path.
 */
function allPlain(object: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const key of keys) {
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57) || key === '__proto__') return false;
    const member = object[key];
    const type = typeof member;
    if (!(member === null || type === 'string' || type === 'number' || type === 'boolean' || type === 'undefined')) return false;
  }
  return true;
}

/**
 * Sorted in place by UTF-16 code units (as `<` compares). A record has a dozen keys: insertion sort
 * needs no work array, which Array#sort allocates on every call.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}
