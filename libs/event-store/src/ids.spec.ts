import { canonicalJson, contentHash, deterministicUuid } from './ids.js';

describe('record identity', () => {
  it('maps a record id to the same UUID every time and different ids to different UUIDs', () => {
    const a = deterministicUuid('record', 'line-1');
    expect(deterministicUuid('record', 'line-1')).toBe(a);
    expect(deterministicUuid('record', 'line-2')).not.toBe(a);
    expect(deterministicUuid('other', 'line-1')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('hashes equal content equally whatever the key order, and other content differently', () => {
    const one = { kind: 'phone_contact', effective: true, nested: { b: 1, a: [1, 2] } };
    const same = { nested: { a: [1, 2], b: 1 }, effective: true, kind: 'phone_contact' };
    expect(contentHash(one)).toBe(contentHash(same));
    expect(contentHash({ ...one, effective: false })).not.toBe(contentHash(one));
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}');
  });
});
