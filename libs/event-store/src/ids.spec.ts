import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, contentHash, deterministicUuid } from './ids.js';

describe('record identity', () => {
  it('maps a record id to the same UUID every time and different ids to different UUIDs', () => {
    const a = deterministicUuid('record', 'line-1');
    expect(deterministicUuid('record', 'line-1')).toBe(a);
    expect(deterministicUuid('record', 'line-2')).not.toBe(a);
    expect(deterministicUuid('other', 'line-1')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives the RFC 4122 version-5 form of SHA-1 over namespace, NUL and name, for any name', () => {
    const reference = (namespace: string, name: string): string => {
      const hex = createHash('sha1').update(`${namespace}\u0000${name}`).digest('hex');
      const variant = '89ab'[parseInt(hex[16]!, 16) & 3];
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    };
    fc.assert(fc.property(fc.string(), fc.string({ unit: 'grapheme', maxLength: 60 }), (namespace, name) => deterministicUuid(namespace, name) === reference(namespace, name)), { numRuns: 2000 });
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
    expect(canonicalJson({ at: new Date(0), n: null })).toBe('{"at":{},"n":null}');
    // Keys an object would not keep in the order they were added.
    expect(canonicalJson({ b: 1, 10: 'x', 2: 'y', a: 2 })).toBe('{"10":"x","2":"y","a":2,"b":1}');
    expect(canonicalJson(JSON.parse('{"z":1,"__proto__":2,"a":3}'))).toBe('{"__proto__":2,"a":3,"z":1}');
    expect(canonicalJson(new Date(0))).toBe('{}');
  });

  it('writes any JSON value as the straightforward sorted-entries form does, whatever order its keys came in', () => {
    const reference = (value: unknown): string => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      const entries = Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
    };
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
          : value;
    // Past 32 keys the sort is another one: wide objects too.
    const wide = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { minKeys: 30, maxKeys: 60 });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), wide), (value) => {
        const text = canonicalJson(value);
        expect(text).toBe(reference(value));
        expect(canonicalJson(reversed(value))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });
});
