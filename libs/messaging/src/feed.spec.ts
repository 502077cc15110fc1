import type { StoredEvent } from '@app/event-store';
import { feedKey, toFeedEvent } from './feed.js';
import { PseudonymKeys, pseudonym } from './pseudonymise.js';

const KEY_106 = Buffer.alloc(32, 1).toString('base64');
const KEY_111 = Buffer.alloc(32, 2).toString('base64');
const keys = PseudonymKeys.parse(`440106:${KEY_106},440111:${KEY_111}`);

function stored(type: string, data: Record<string, unknown>, metadata: Record<string, unknown> = {}): StoredEvent {
  return {
    position: 42,
    eventId: '00000000-0000-4000-8000-000000000042',
    streamId: 'household-H-1',
    streamVersion: 1,
    type,
    schemaVersion: 1,
    data,
    metadata: { actor: 'worker:w1', recordId: 'R-1', district: '440106', station: 'S1', ...metadata },
    recordedAt: new Date('2026-03-01T02:03:04.000Z'),
  };
}

const archived = {
  recordId: 'R-1',
  station: 'S1',
  community: 'C1',
  occurredOn: '2026-02-27',
  worker: 'W-7',
  household: 'H-1',
  persons: 2,
  category: 'elderly_alone',
  riskLevel: 5,
  contact: { name: '陈大文', idNumber: '440106195001011234', phone: '13800138000' },
};

describe('the analytics feed message of an event', () => {
  it('given a household archived with contact details, then ids are keyed hashes and the contact is absent', () => {
    const message = toFeedEvent(stored('HouseholdArchived', archived), keys);
    const key = Buffer.from(KEY_106, 'base64');
    expect(message.data).toEqual({
      recordId: 'R-1',
      station: 'S1',
      community: 'C1',
      occurredOn: '2026-02-27',
      worker: pseudonym(key, 'W-7'),
      household: pseudonym(key, 'H-1'),
      persons: 2,
      category: 'elderly_alone',
      riskLevel: 5,
    });
    const bytes = JSON.stringify(message);
    for (const secret of ['陈大文', '440106195001011234', '13800138000', '"H-1"', '"W-7"', 'household-H-1']) {
      expect(bytes).not.toContain(secret);
    }
  });

  it('carries the envelope fields the contract names, from metadata and data', () => {
    const message = toFeedEvent(stored('HouseholdArchived', archived), keys);
    expect(message).toMatchObject({
      eventId: '00000000-0000-4000-8000-000000000042',
      recordId: 'R-1',
      type: 'HouseholdArchived',
      schemaVersion: 1,
      position: 42,
      station: 'S1',
      district: '440106',
      occurredOn: '2026-02-27',
      recordedAt: '2026-03-01T02:03:04.000Z',
    });
    expect(feedKey(message)).toBe('S1');
  });

  it('pseudonymises the same household differently in another district (key per district)', () => {
    const a = toFeedEvent(stored('HouseholdArchived', archived), keys);
    const b = toFeedEvent(stored('HouseholdArchived', archived, { district: '440111' }), keys);
    expect(a.data.household).not.toEqual(b.data.household);
    expect(toFeedEvent(stored('HouseholdArchived', archived), keys).data.household).toEqual(a.data.household);
  });

  it('pseudonymises inside a correction\'s before and after records and drops their contact', () => {
    const message = toFeedEvent(
      stored('RecordCorrected', {
        recordId: 'R-2',
        corrects: 'R-1',
        base: 'R-1',
        action: 'replace',
        reason: 'wrong risk level',
        before: { kind: 'household_archived', ...archived, recordId: undefined },
        after: { kind: 'household_archived', ...archived, riskLevel: 4, recordId: undefined },
      }),
      keys,
    );
    const bytes = JSON.stringify(message);
    expect(bytes).not.toContain('陈大文');
    expect(bytes).not.toContain('"H-1"');
    expect((message.data.after as Record<string, unknown>).household).toBe(pseudonym(Buffer.from(KEY_106, 'base64'), 'H-1'));
    expect(message.data.after).not.toHaveProperty('contact');
    expect(message.occurredOn).toBeNull();
  });

  it('keeps the names of places in setup events but drops names of people elsewhere', () => {
    const station = toFeedEvent(stored('StationRegistered', { recordId: 'R-3', code: 'S1', name: '三元里街社工站', district: '440111' }), keys);
    expect(station.data.name).toBe('三元里街社工站');
    const visit = toFeedEvent(stored('HomeVisitRecorded', { recordId: 'R-4', household: 'H-2', name: '李小明', phone: '13900000000' }), keys);
    expect(visit.data).not.toHaveProperty('name');
    expect(visit.data).not.toHaveProperty('phone');
  });

  it('keys an event without a station by its district, and one without either by "platform"', () => {
    expect(feedKey(toFeedEvent(stored('DistrictRegistered', { recordId: 'R-5', code: '440111', name: '白云区' }, { station: undefined, district: '440111' }), keys))).toBe('440111');
    const platform = stored('DistrictRegistered', { recordId: 'R-6', code: '440100', name: '广州市' }, { station: undefined, district: undefined });
    expect(() => toFeedEvent(platform, keys)).toThrow(/no pseudonym key for district \*/);
    expect(feedKey(toFeedEvent(platform, PseudonymKeys.devOnly()))).toBe('platform');
  });
});

describe('pseudonym keys from configuration', () => {
  it('refuses an entry without a district or with a short key', () => {
    expect(() => PseudonymKeys.parse('440106')).toThrow(/district and a base64 key/);
    expect(() => PseudonymKeys.parse(`440106:${Buffer.alloc(8).toString('base64')}`)).toThrow(/at least 16 bytes/);
    expect(() => PseudonymKeys.parse(' , ')).toThrow(/no keys/);
  });

  it('refuses to run on dev-only keys in production', () => {
    expect(() => PseudonymKeys.fromEnv({ NODE_ENV: 'production' })).toThrow(/PSEUDONYM_KEYS must be set/);
    expect(PseudonymKeys.fromEnv({}).devOnly).toBe(true);
    expect(PseudonymKeys.fromEnv({ PSEUDONYM_KEYS: `*:${KEY_111}` }).devOnly).toBe(false);
  });

  it('uses the "*" key for a district without its own key', () => {
    const withDefault = PseudonymKeys.parse(`440106:${KEY_106},*:${KEY_111}`);
    expect(withDefault.keyFor('440199')).toEqual(Buffer.from(KEY_111, 'base64'));
    expect(() => keys.keyFor('440199')).toThrow(/no pseudonym key for district 440199/);
  });
});
