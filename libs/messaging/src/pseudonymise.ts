import { createHmac } from 'node:crypto';
import { PERSON_ID_FIELDS, PERSONAL_DATA_FIELDS } from '@app/recording';

/**
 * Keys for the keyed hash, one per district (a district's data officer can re-identify only its own
 * people). `*` is the key for events without a district. Configured as
 * PSEUDONYM_KEYS='440106:<base64>,440111:<base64>,*:<base64>'.
 */
export class PseudonymKeys {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    /** Dev-only keys are derived from the district code: anybody can recompute them. */
    readonly devOnly: boolean,
  ) {}

  static parse(config: string): PseudonymKeys {
    const keys = new Map<string, Buffer>();
    for (const entry of config.split(',').map((s) => s.trim()).filter(Boolean)) {
      const at = entry.indexOf(':');
      const district = entry.slice(0, at).trim();
      const key = Buffer.from(entry.slice(at + 1).trim(), 'base64');
      if (at <= 0 || key.length < 16) {
        throw new Error(`PSEUDONYM_KEYS entry "${district || entry}" needs a district and a base64 key of at least 16 bytes`);
      }
      keys.set(district, key);
    }
    if (keys.size === 0) throw new Error('PSEUDONYM_KEYS has no keys');
    return new PseudonymKeys(keys, false);
  }

  /**
   * DEV ONLY: a key per district derived from a published constant, so development and tests need
   * no configuration. Never for real data: `fromEnv` refuses it when NODE_ENV is production.
   */
  static devOnly(): PseudonymKeys {
    return new PseudonymKeys(new Map(), true);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): PseudonymKeys {
    if (env.PSEUDONYM_KEYS) return PseudonymKeys.parse(env.PSEUDONYM_KEYS);
    if (env.NODE_ENV === 'production') throw new Error('PSEUDONYM_KEYS must be set in production (district:base64key,…)');
    return PseudonymKeys.devOnly();
  }

  keyFor(district: string | null): Buffer {
    const name = district ?? '*';
    if (this.devOnly) return createHmac('sha256', 'socialwork-DEV-ONLY-pseudonym-key').update(name).digest();
    const key = this.keys.get(name) ?? this.keys.get('*');
    // Publishing with some other district's key would break linkage and hide a configuration gap.
    if (!key) throw new Error(`no pseudonym key for district ${name} in PSEUDONYM_KEYS (add "${name}:…" or "*:…")`);
    return key;
  }
}

/**
 * Ids of people: household (一户一档), volunteer, the social worker who recorded the service, and
 * the case (a case number leads straight to its household). Replaced by a keyed hash, so a consumer
 * can still count distinct households without learning who they are.
 */
export const PSEUDONYMISED_FIELDS: ReadonlySet<string> = new Set<string>([...PERSON_ID_FIELDS, 'worker', 'case']);
/** Personal data: dropped wherever it appears. */
export const REMOVED_FIELDS: ReadonlySet<string> = new Set<string>([...PERSONAL_DATA_FIELDS, 'idNumber', 'phone', 'mobile', 'address']);
/** Events that name places and organisations, not people: their `name` fields stay. */
const PLACE_EVENTS: ReadonlySet<string> = new Set(['DistrictRegistered', 'StationRegistered', 'StationAreasRedrawn']);

export function pseudonym(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** The event data as the feed shows it (see FeedEvent.data); the input is not modified. */
export function pseudonymiseData(type: string, data: unknown, key: Buffer): Record<string, unknown> {
  const keepNames = PLACE_EVENTS.has(type);
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
      if (REMOVED_FIELDS.has(field) || (field === 'name' && !keepNames)) continue;
      if (PSEUDONYMISED_FIELDS.has(field) && (typeof inner === 'string' || typeof inner === 'number')) {
        out[field] = pseudonym(key, String(inner));
      } else {
        out[field] = walk(inner);
      }
    }
    return out;
  };
  const result = walk(data);
  return result !== null && typeof result === 'object' && !Array.isArray(result) ? (result as Record<string, unknown>) : { value: result };
}
