import type { ServiceRecordBody } from '@app/recording';
import { DEFAULT_QUALITY_CONFIG, findQualityIssues, requiredContacts } from './quality.js';

const at = { station: 'S', community: 'c1', worker: 'w' };
const records = (...bodies: ServiceRecordBody[]) => bodies.map((body, i) => ({ recordId: `r${i}`, body }));

describe('data-quality findings', () => {
  it('asks a level-5 household for monthly contact and a level-1 household for one a year', () => {
    expect(requiredContacts(DEFAULT_QUALITY_CONFIG, 5, '2024-01-01', '2024-12-31')).toBe(12);
    expect(requiredContacts(DEFAULT_QUALITY_CONFIG, 5, '2025-01-01', '2025-03-31')).toBe(3);
    expect(requiredContacts(DEFAULT_QUALITY_CONFIG, 1, '2024-01-01', '2024-12-31')).toBe(1);
  });

  it('reports the evaluators case: a level-5 elder called once in a year, ten one-way SMS, no visit', () => {
    const sms = Array.from({ length: 10 }, (_, i): ServiceRecordBody => ({ kind: 'phone_contact', ...at, occurredOn: `2024-03-${String(i + 10)}`, household: 'elder', effective: false }));
    const { underContacted, onlyNonEffectiveContacts } = findQualityIssues(
      records(
        { kind: 'household_archived', ...at, occurredOn: '2024-01-05', household: 'elder', persons: 1, category: '独居', riskLevel: 5 },
        { kind: 'phone_contact', ...at, occurredOn: '2024-02-01', household: 'elder', effective: true },
        ...sms,
      ),
      DEFAULT_QUALITY_CONFIG,
      '2024-01-01',
      '2024-12-31',
    );
    expect(underContacted).toEqual([{ household: 'elder', community: 'c1', riskLevel: 5, required: 12, effectiveContacts: 1 }]);
    expect(onlyNonEffectiveContacts).toEqual([]);
  });

  it('uses the risk level as last assessed by the end of the period', () => {
    const found = findQualityIssues(
      records(
        { kind: 'household_archived', ...at, occurredOn: '2024-01-05', household: 'h', persons: 1, category: '低保', riskLevel: 5 },
        { kind: 'household_reassessed', ...at, occurredOn: '2024-02-01', household: 'h', riskLevel: 1 },
        { kind: 'household_reassessed', ...at, occurredOn: '2025-02-01', household: 'h', riskLevel: 5 },
        { kind: 'home_visit', ...at, occurredOn: '2024-06-01', household: 'h', entered: true },
      ),
      DEFAULT_QUALITY_CONFIG,
      '2024-01-01',
      '2024-12-31',
    );
    expect(found.underContacted).toEqual([]);
  });

  it('flags a case opened before its consent (the recording side refuses it; this catches data from elsewhere)', () => {
    const { casesWithoutConsent } = findQualityIssues(
      records({ kind: 'case_opened', ...at, occurredOn: '2024-03-01', case: 'k', household: 'h', consentOn: '2024-03-02' }),
      DEFAULT_QUALITY_CONFIG,
      '2024-01-01',
      '2024-12-31',
    );
    expect(casesWithoutConsent).toEqual([{ recordId: 'r0', case: 'k', consentOn: '2024-03-02', occurredOn: '2024-03-01' }]);
  });

  it('flags the same kind by the same worker for the same household on the same day, not on different days', () => {
    const call = (occurredOn: string): ServiceRecordBody => ({ kind: 'phone_contact', ...at, occurredOn, household: 'h', effective: true });
    const { probableDoubleCounts } = findQualityIssues(records(call('2024-05-01'), call('2024-05-01'), call('2024-05-02')), DEFAULT_QUALITY_CONFIG, '2024-01-01', '2024-12-31');
    expect(probableDoubleCounts).toEqual([{ kind: 'phone_contact', worker: 'w', household: 'h', occurredOn: '2024-05-01', records: ['r0', 'r1'] }]);
  });
});
