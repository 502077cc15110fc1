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
    expect(reason({ ...VALID[3], amountYuan: 1.5 })).toMatch(/^amountYuan must be a non-negative amount as a decimal string with at most two decimals/);
    expect(reason({ ...VALID[0], occurredOn: '2025-02-29' })).toBe('occurredOn must be a real calendar date written YYYY-MM-DD');
    expect(reason({ id: 'v', kind: 'correction', corrects: 'a', action: 'void', reason: 'r', replacement: VALID[0] })).toBe(
      'replacement must be absent when action is void',
    );
    expect(reason({ id: 'v', kind: 'correction', corrects: 'a', action: 'replace', reason: 'r', replacement: VALID[0] })).toMatch(/^replacement\.id must be absent/);
  });
});
