import { amountOf, isMoney, STANDARD_INDICATORS, targetInUnit, validateDefinition } from './definitions.js';

describe('indicator catalog', () => {
  it('defaults to the 23 standard codes of RECORDS.md, money only for 资源链接', () => {
    expect(STANDARD_INDICATORS).toHaveLength(23);
    expect(new Set(STANDARD_INDICATORS.map((d) => d.code)).size).toBe(23);
    expect(STANDARD_INDICATORS.filter(isMoney).map((d) => d.code)).toEqual(['resources_linked_yuan']);
  });

  it('accepts a well-formed definition and keeps only its known parts', () => {
    expect(validateDefinition({ code: 'trainings_general', name: ' 通用性培训 ', unit: '场', kind: 'volunteer_training', filter: { type: 'general' }, measure: { type: 'count', extra: 1 } })).toEqual({
      code: 'trainings_general', name: '通用性培训', unit: '场', kind: 'volunteer_training', filter: { type: 'general' }, measure: { type: 'count' },
    });
  });

  it.each([
    [{ code: 'Bad Code' }, 'code'],
    [{ code: 'ok_code', name: '', unit: '个', kind: 'outreach', filter: {}, measure: { type: 'count' } }, 'name'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'nothing', filter: {}, measure: { type: 'count' } }, 'kind'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'outreach', filter: [], measure: { type: 'count' } }, 'filter'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'outreach', filter: { reached: [] }, measure: { type: 'count' } }, 'filter reached'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'outreach', filter: {}, measure: { type: 'median' } }, 'measure.type'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'outreach', filter: {}, measure: { type: 'distinct' } }, 'needs a field'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'outreach', filter: { size: 'large' }, measure: { type: 'count' } }, 'outreach has no field size'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'activity', filter: {}, measure: { type: 'sum', field: 'title' } }, 'not a whole-number field'],
    [{ code: 'ok_code', name: 'n', unit: '元', kind: 'activity', filter: {}, measure: { type: 'sum', field: 'attendance', money: true } }, 'not a money field'],
    [{ code: 'ok_code', name: 'n', unit: '个', kind: 'phone_contact', filter: {}, measure: { type: 'distinct', field: 'volunteer' } }, 'no field volunteer'],
  ])('refuses %j naming %s', (input, words) => {
    expect(() => validateDefinition(input)).toThrow(expect.objectContaining({ kind: 'invalid', code: 'bad_indicator_definition', message: expect.stringContaining(words) }));
  });

  it('accepts every standard definition as an administrator would send it', () => {
    for (const definition of STANDARD_INDICATORS) expect(validateDefinition(JSON.parse(JSON.stringify(definition)))).toEqual(definition);
  });

  it('refuses to sum a fractional number (only money has fractions, in fen)', () => {
    const def = validateDefinition({ code: 'reach', name: 'n', unit: '人', kind: 'outreach', filter: {}, measure: { type: 'sum', field: 'reached' } });
    const body = { kind: 'outreach' as const, station: 'S', community: 'c', occurredOn: '2024-01-01', worker: 'w', reached: 2.5 };
    expect(() => amountOf(def, body)).toThrow(expect.objectContaining({ code: 'indicator_field_not_integer' }));
    expect(amountOf(def, { ...body, reached: 7 })).toBe(7n);
  });

  it('reads a stored target in the unit of account: fen for money, whole counts only, nothing for a misfit', () => {
    const count = STANDARD_INDICATORS.find((d) => d.code === 'phone_contacts')!;
    const money = STANDARD_INDICATORS.find((d) => d.code === 'resources_linked_yuan')!;
    expect(targetInUnit(count, '3000')).toBe(3000n);
    expect(targetInUnit(count, '3000.00')).toBe(3000n);
    expect(targetInUnit(count, '3000.5')).toBeUndefined();
    expect(targetInUnit(count, '1e+21')).toBeUndefined();
    expect(targetInUnit(money, '60000')).toBe(6000000n);
    expect(targetInUnit(money, '100.05')).toBe(10005n);
    expect(targetInUnit(money, '-1')).toBeUndefined();
  });
});
