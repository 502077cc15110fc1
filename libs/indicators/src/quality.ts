/**
 * Data-quality findings (数据质量) the evaluators raised, computed from the effective service records
 * of a station or area: under-contacted households for their risk level (分级评估), households reached
 * only by non-effective contacts (one-way SMS, door not opened), probable double counts (重复计算),
 * and cases opened without prior informed consent (知情同意).
 */
import type { LocalDate } from '@app/kernel';
import type { ServiceRecordBody } from '@app/recording';

export interface QualityConfig {
  /** Effective contacts (电访 effective or 入户探访 entered) a household needs per year, by risk level 1–5. */
  contactsPerYear: Record<number, number>;
}

/** Level 5 monthly, level 1 once a year: the evaluator's "a level-5 elder contacted once a year" is a finding. */
export const DEFAULT_QUALITY_CONFIG: QualityConfig = { contactsPerYear: { 1: 1, 2: 2, 3: 4, 4: 6, 5: 12 } };

export interface EffectiveRecord {
  recordId: string;
  body: ServiceRecordBody;
}

export interface QualityFindings {
  underContacted: { household: string; community: string; riskLevel: number; required: number; effectiveContacts: number }[];
  onlyNonEffectiveContacts: { household: string; community: string; contacts: number }[];
  probableDoubleCounts: { kind: string; worker: string; household: string; occurredOn: LocalDate; records: string[] }[];
  casesWithoutConsent: { recordId: string; case: string; consentOn: LocalDate | null; occurredOn: LocalDate }[];
}

const DAY_MS = 86_400_000;
const days = (from: LocalDate, to: LocalDate) => (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;

/** Contacts a level asks for in a period: the yearly frequency prorated by days (a calendar year of 365 or 366 days asks for exactly the yearly number). */
export function requiredContacts(config: QualityConfig, riskLevel: number, from: LocalDate, to: LocalDate): number {
  const perYear = config.contactsPerYear[riskLevel] ?? 0;
  return Math.round((perYear * days(from, to)) / 365.25);
}

const isContact = (r: ServiceRecordBody): r is Extract<ServiceRecordBody, { kind: 'phone_contact' | 'home_visit' }> =>
  r.kind === 'phone_contact' || r.kind === 'home_visit';
const isEffective = (r: Extract<ServiceRecordBody, { kind: 'phone_contact' | 'home_visit' }>) =>
  r.kind === 'phone_contact' ? r.effective : r.entered;

/** Records in recording order; households are those archived by `to`, at their latest risk level by then. */
export function findQualityIssues(records: readonly EffectiveRecord[], config: QualityConfig, from: LocalDate, to: LocalDate): QualityFindings {
  const households = new Map<string, { community: string; riskLevel: number; on: LocalDate }>();
  const contacts = new Map<string, { community: string; effective: number; other: number }>();
  const sameDay = new Map<string, string[]>();
  const casesWithoutConsent: QualityFindings['casesWithoutConsent'] = [];
  for (const { recordId, body } of records) {
    if (body.kind === 'household_archived' || body.kind === 'household_reassessed') {
      if (body.occurredOn > to) continue;
      const known = households.get(body.household);
      if (known && known.on > body.occurredOn) continue;
      households.set(body.household, { community: known?.community ?? body.community, riskLevel: body.riskLevel, on: body.occurredOn });
      continue;
    }
    if (body.kind === 'case_opened' && (!body.consentOn || body.consentOn > body.occurredOn)) {
      casesWithoutConsent.push({ recordId, case: body.case, consentOn: body.consentOn ?? null, occurredOn: body.occurredOn });
    }
    const household = (body as { household?: string }).household;
    if (!household || body.occurredOn < from || body.occurredOn > to) continue;
    const key = JSON.stringify([body.kind, body.worker, household, body.occurredOn]);
    sameDay.set(key, [...(sameDay.get(key) ?? []), recordId]);
    if (isContact(body)) {
      const tally = contacts.get(household) ?? { community: body.community, effective: 0, other: 0 };
      if (isEffective(body)) tally.effective += 1;
      else tally.other += 1;
      contacts.set(household, tally);
    }
  }
  const findings: QualityFindings = { underContacted: [], onlyNonEffectiveContacts: [], probableDoubleCounts: [], casesWithoutConsent };
  for (const [household, { community, riskLevel }] of households) {
    const tally = contacts.get(household) ?? { community, effective: 0, other: 0 };
    const required = requiredContacts(config, riskLevel, from, to);
    if (tally.effective < required) {
      findings.underContacted.push({ household, community, riskLevel, required, effectiveContacts: tally.effective });
    }
  }
  for (const [household, tally] of contacts) {
    if (tally.effective === 0 && tally.other > 0) {
      findings.onlyNonEffectiveContacts.push({ household, community: households.get(household)?.community ?? tally.community, contacts: tally.other });
    }
  }
  for (const [key, ids] of sameDay) {
    if (ids.length < 2) continue;
    const [kind, worker, household, occurredOn] = JSON.parse(key) as [string, string, string, string];
    findings.probableDoubleCounts.push({ kind, worker, household, occurredOn, records: ids });
  }
  return findings;
}
