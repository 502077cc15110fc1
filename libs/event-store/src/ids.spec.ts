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

  // Event ids and content hashes are stored: a faster implementation must give the very values the
  // first one gave (computed with createHash over the sorted-entries form), or re-sent records stored
  // before it would become conflicts.
  it('keeps the ids and hashes already stored', () => {
    expect(deterministicUuid('socialwork.record', 'line-1')).toBe('e74b3966-4919-5007-a324-c93adf664c3a');
    expect(deterministicUuid('socialwork.record', '社工-7')).toBe('9bea9f98-4286-5887-b4fb-fc72bd36ea36');
    expect(deterministicUuid('socialwork.record', 'b-999999')).toBe('1a626890-6049-5f50-b977-a7bd9547a02d');
    const record = { id: 'p-1', kind: 'phone_contact', station: 'SYL', worker: '社工 "甲"', effective: true, nested: { b: 1, a: [1, 2, { d: null, c: undefined }] }, Z: 0 };
    expect(canonicalJson(record)).toBe('{"Z":0,"effective":true,"id":"p-1","kind":"phone_contact","nested":{"a":[1,2,{"d":null}],"b":1},"station":"SYL","worker":"社工 \\"甲\\""}');
    expect(contentHash(record)).toBe('UOB8OxS-HHMxiAGgrIA7ytDR_Jm6Ci2aFaTvlVDhDV0');
    expect(canonicalJson([undefined, 'é', { é: 1, e: 2, E: 3, '': 4 }])).toBe('[null,"é",{"":4,"E":3,"e":2,"é":1}]');
  });
});
