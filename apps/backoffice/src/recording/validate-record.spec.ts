import 'reflect-metadata';
import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RECORD_DTOS, type RecordDto } from './record.dto.js';
import { validateRecord } from './validate-record.js';

const base = { station: 'S', community: 'C', occurredOn: '2025-03-01', worker: 'w' };
const VALID: Record<string, unknown>[] = [
  { id: 'a', kind: 'phone_contact', ...base, household: 'h', effective: true },
  { id: 'b', kind: 'group_session', ...base, group: 'g', attendance: 3 },
  { id: 'c', kind: 'activity', ...base, size: 'small', title: 't', attendance: 0, partners: 2 },
  { id: 'd', kind: 'resource_linked', ...base, amountYuan: '523106.71', resourceType: 'money', source: 's' },
  { id: 'e', kind: 'household_archived', ...base, household: 'h', persons: 2, category: '低保', riskLevel: 5 },
  { id: 'f', kind: 'case_opened', ...base, case: 'k', household: 'h', consentOn: '2025-02-28' },
  { id: 'g', kind: 'regular_service', ...base },
];

/** What class-validator alone says of a record (the reference the fast path must agree with). */
function referenceAccepts(record: Record<string, unknown>): boolean {
  const dto = RECORD_DTOS[record.kind as keyof typeof RECORD_DTOS] as new () => RecordDto;
  return validateSync(plainToInstance(dto, record), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }).length === 0;
}

const oddValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -3, max: 7 }),
  fc.double({ noNaN: true, min: -2, max: 2 }),
  fc.constantFrom('', 'x', '2025-02-30', '2025-02-28', '12.345', '12.30', '-1.00', 'large', 'money', 'general'),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
);

describe('validateRecord', () => {
  it.each(VALID.map((r) => [r.kind, r]))('accepts a valid %s as sent', (_kind, record) => {
    expect(validateRecord(record)).toEqual({ ok: true, record });
  });

  it('agrees with class-validator on records with one field changed, added or removed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.constantFrom('id', 'station', 'occurredOn', 'effective', 'attendance', 'partners', 'amountYuan', 'riskLevel', 'persons', 'size', 'consentOn', 'extra'), oddValue, (record, field, value) => {
        const changed = { ...record, [field]: value };
        if (value === undefined) delete changed[field];
        expect(validateRecord(changed).ok).toBe(referenceAccepts(changed));
      }),
      { numRuns: 2000 },
    );
  });

  it('measures a length limit as class-validator does: a character outside the BMP counts once', () => {
    const wide = '𠀀'; // two UTF-16 units
    for (const worker of ['w'.repeat(100), 'w'.repeat(101), wide.repeat(100), wide.repeat(101), `${wide.repeat(99)}w`]) {
      const record = { ...VALID[0], worker };
      expect(validateRecord(record).ok).toBe(referenceAccepts(record));
    }
    expect(validateRecord({ ...VALID[0], worker: wide.repeat(100) }).ok).toBe(true);
    expect(validateRecord({ ...VALID[0], worker: 'w'.repeat(101) })).toEqual({ ok: false, reason: 'worker must be shorter than or equal to 100 characters' });
  });

  it('names the field and the rule for each way a record can be wrong', () => {
    const reason = (record: unknown) => {
      const result = validateRecord(record);
      return result.ok ? 'accepted' : result.reason;
    };
    expect(reason([])).toBe('a record must be a JSON object');
    expect(reason({ id: 'x', kind: 'nope' })).toMatch(/^kind must be one of district, station, .* \(got "nope"\)$/);
    expect(reason({ id: 'x' })).toMatch(/kind must be one of .* \(it is missing\)/);
    expect(reason({ ...VALID[0], worker: undefined })).toBe('worker is required');
    expect(reason({ ...VALID[0], mood: 1 })).toBe('mood: property mood should not exist');
    expect(reason({ ...VALID[1], attendance: -1 })).toBe('attendance must not be less than 0');
    expect(reason({ ...VALID[3], amountYuan: 1.5 })).toMatch(/^amountYuan must be a non-negative amount below 10,000,000,000 as a decimal string with at most two decimals/);
    expect(reason({ ...VALID[0], occurredOn: '2025-02-29' })).toBe('occurredOn must be a real calendar date written YYYY-MM-DD');
    expect(reason({ id: 'v', kind: 'correction', corrects: 'a', action: 'void', reason: 'r', replacement: VALID[0] })).toBe(
      'replacement must be absent when action is void',
    );
    expect(reason({ id: 'v', kind: 'correction', corrects: 'a', action: 'replace', reason: 'r', replacement: VALID[0] })).toMatch(/^replacement\.id must be absent/);
  });

  const reason = (record: unknown) => {
    const result = validateRecord(record);
    return result.ok ? 'accepted' : result.reason;
  };
  const station = {
    id: 's',
    kind: 'station',
    code: 'S',
    name: '站',
    district: '440111',
    street: '街',
    operator: '中心',
    areas: [{ code: 'A', name: '片', communities: [{ code: 'C', name: '社区' }] }],
  };
  const contract = { id: 'k', kind: 'contract', code: 'K-1', station: 'S', periodStart: '2024-05-24', periodEnd: '2025-05-23', budgetYuan: '1.00', targets: {} };
  const archived = VALID[4]!;

  it('refuses NUL and unpaired surrogates in any text, nested ones included, naming the field', () => {
    const bad = 'NUL or unpaired surrogate characters';
    expect(reason({ ...VALID[0], worker: 'w\u0000' })).toBe(`worker must not contain ${bad}`);
    expect(reason({ ...VALID[0], worker: 'w\uD800' })).toBe(`worker must not contain ${bad}`);
    expect(reason({ ...VALID[0], worker: 'w\uDC00x' })).toBe(`worker must not contain ${bad}`);
    expect(reason({ ...VALID[3], source: '\u0000' })).toBe(`source must not contain ${bad}`);
    expect(reason({ ...archived, contact: { name: '陈\u0000' } })).toBe(`contact.name must not contain ${bad}`);
    expect(reason({ ...archived, contact: { phone: '\uDBFF' } })).toBe(`contact.phone must not contain ${bad}`);
    expect(reason({ ...station, areas: [{ ...station.areas[0], communities: [{ code: 'C', name: '社\uD83D' }] }] })).toBe(
      `areas.0.communities.0.name must not contain ${bad}`,
    );
    expect(reason({ ...contract, targets: { 'phone\u0000': 1 } })).toMatch(/^targets: "phone\\u0000" is not an indicator code/);
    expect(reason({ id: 'v', kind: 'correction', corrects: 'a', action: 'replace', reason: 'r', replacement: { ...base, kind: 'phone_contact', effective: true, worker: '\u0000' } })).toBe(
      `replacement.worker must not contain ${bad}`,
    );
    expect(reason({ ...VALID[0], worker: '社工😀' })).toBe('accepted');
  });

  it('refuses keys named like Object.prototype members, at every level, as any undeclared key', () => {
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '__defineGetter__', 'isPrototypeOf']) {
      const top = JSON.parse(`{"${key}": {}}`) as Record<string, unknown>;
      expect(reason({ ...VALID[0], ...top })).toBe(`${key}: property ${key} should not exist`);
      expect(reason({ ...archived, contact: JSON.parse(`{"name": "陈", "${key}": 1}`) })).toBe(`contact.${key}: property ${key} should not exist`);
      const community = JSON.parse(`{"code": "C", "name": "n", "${key}": "x"}`) as Record<string, unknown>;
      expect(reason({ ...station, areas: [{ ...station.areas[0], communities: [{ code: 'D', name: 'd' }, community] }] })).toBe(
        `areas.0.communities.1.${key}: property ${key} should not exist`,
      );
    }
    expect(reason(JSON.parse(`{"id":"a","kind":"phone_contact","station":"S","community":"C","occurredOn":"2025-03-01","worker":"w","effective":true,"__proto__":{"x":1}}`))).toBe(
      '__proto__: property __proto__ should not exist',
    );
  });

  it('refuses a target code named like an Object.prototype member and keeps every standard code', () => {
    expect(reason({ ...contract, targets: { constructor: 5 } })).toMatch(/^targets: "constructor" is not an indicator code \(.*not a name of Object\.prototype/);
    expect(reason({ ...contract, targets: JSON.parse('{"__proto__": 5}') })).toMatch(/^targets: "__proto__" is not an indicator code/);
    const standard = { phone_contacts: 3000, outreach: 12, groups: 4, persons_archived: 1_000_000_000, resources_linked_yuan: '60000.00', district_extra: '12.5' };
    expect(reason({ ...contract, targets: standard })).toBe('accepted');
  });

  it('bounds every count at 1,000,000', () => {
    expect(reason({ ...VALID[1], attendance: 1_000_000 })).toBe('accepted');
    expect(reason({ ...VALID[1], attendance: 1_000_001 })).toBe('attendance must not be greater than 1000000');
    expect(reason({ ...VALID[1], attendance: 9007199254740993 })).toBe('attendance must not be greater than 1000000');
    expect(reason({ ...VALID[2], partners: 1e21 })).toBe('partners must not be greater than 1000000');
    expect(reason({ ...archived, persons: 1e21 })).toBe('persons must not be greater than 1000000');
    expect(reason({ ...VALID[6], attendance: 2e6 })).toBe('attendance must not be greater than 1000000');
  });

  it('refuses null for an optional field, and still accepts it left out', () => {
    const leaveOut = 'must not be null (leave it out instead)';
    expect(reason({ ...station, effectiveFrom: null })).toBe(`effectiveFrom ${leaveOut}`);
    expect(reason({ ...VALID[0], household: null })).toBe(`household ${leaveOut}`);
    expect(reason({ ...VALID[6], attendance: null })).toBe(`attendance ${leaveOut}`);
    expect(reason({ ...VALID[2], partners: null })).toBe(`partners ${leaveOut}`);
    expect(reason({ ...archived, contact: null })).toBe(`contact ${leaveOut}`);
    expect(reason({ ...archived, contact: { name: null } })).toBe(`contact.name ${leaveOut}`);
    expect(reason({ ...VALID[0], kind: 'phone_contact' })).toBe('accepted');
    expect(reason({ id: 'v', kind: 'correction', corrects: 'a', action: 'void', reason: 'r', replacement: null })).toBe(`replacement ${leaveOut}`);
    const { household: _h, ...noHousehold } = VALID[0]!;
    expect(reason(noHousehold)).toBe('accepted');
    expect(reason({ ...station, effectiveFrom: '2025-05-24' })).toBe('accepted');
    expect(reason({ ...archived, contact: { name: '陈某' } })).toBe('accepted');
  });

  it('refuses blank texts, required or not', () => {
    const archived = { id: 'e', kind: 'household_archived', ...base, household: 'h', persons: 2, category: '低保', riskLevel: 5 };
    for (const blank of ['', '   ', '\t\n', '\u3000']) {
      expect(reason({ ...archived, contact: { name: blank } })).toBe('contact.name must not be blank');
      expect(reason({ ...VALID[0], worker: blank })).toBe('worker must not be blank');
      expect(reason({ ...VALID[0], id: blank })).toBe('id must not be blank');
      expect(reason({ ...VALID[3], source: blank })).toBe('source must not be blank');
      expect(reason({ ...station, street: blank })).toBe('street must not be blank');
      expect(reason({ ...VALID[0], household: blank })).toBe('household must not be blank');
    }
    expect(reason({ ...VALID[0], worker: ' w ' })).toBe('accepted');
  });

  it('refuses "/" and control characters in places and stream keys', () => {
    const rule = 'must not contain "/" or control characters';
    expect(reason({ ...VALID[5], case: 'x/c' })).toBe(`case ${rule}`);
    expect(reason({ ...VALID[0], station: 'P/x' })).toBe(`station ${rule}`);
    expect(reason({ ...VALID[0], community: 'C\u0001' })).toBe(`community ${rule}`);
    expect(reason({ ...VALID[0], household: 'h\u007f' })).toBe(`household ${rule}`);
    expect(reason({ ...VALID[1], group: 'g\n' })).toBe(`group ${rule}`);
    expect(reason({ ...station, code: 'S/1' })).toBe(`code ${rule}`);
    expect(reason({ ...station, areas: [{ ...station.areas[0], code: 'A/1' }] })).toBe(`areas.0.code ${rule}`);
    expect(reason({ ...contract, code: '440106/2018' })).toBe(`code ${rule}`);
    expect(reason({ ...VALID[0], worker: 'a/b', id: 'x/y' })).toBe('accepted');
  });

  it('refuses an area or a community that is not an object (an empty array passed as a list of nothing)', () => {
    expect(reason({ ...station, areas: [[]] })).toBe('areas: each value in areas must be an object');
    expect(reason({ ...station, areas: [{ ...station.areas[0], communities: [[]] }] })).toBe('areas.0.communities: each value in communities must be an object');
  });

  it('holds a standard indicator\'s target to its form, and any target to a safe whole number up to 1,000,000,000', () => {
    expect(reason({ ...contract, targets: { phone_contacts: '3000.50' } })).toBe(
      'targets.phone_contacts counts: its target must be a whole number from 0 to 1000000000',
    );
    expect(reason({ ...contract, targets: { phone_contacts: 1_000_000_001 } })).toMatch(/^targets\.phone_contacts counts/);
    expect(reason({ ...contract, targets: { resources_linked_yuan: 60000 } })).toBe(
      'targets.resources_linked_yuan counts money: its target must be a decimal string with at most two decimals, e.g. "60000.00" (never a number)',
    );
    for (const bad of [9007199254740993, 1e21, -1, 1.5, 1_000_000_001]) {
      expect(reason({ ...contract, targets: { district_extra: bad } })).toBe(
        'targets.district_extra must be a whole number from 0 to 1000000000, or money as a decimal string with at most two decimals',
      );
    }
    expect(reason({ id: 'm', kind: 'contract_amended', contract: 'K-1', reason: 'r', targets: { home_visits: '10.00' } })).toMatch(/^targets\.home_visits counts:/);
  });
});
