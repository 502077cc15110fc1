/** The places and line makers the import tests share (station T1 with communities c1 and c2). */
export type Line = Record<string, unknown>;

export const SETUP: Line[] = [
  { id: 'imp-district', kind: 'district', code: '440111', name: '白云区' },
  {
    id: 'imp-station',
    kind: 'station',
    code: 'T1',
    name: '测试街社工服务站',
    district: '440111',
    street: '测试街',
    operator: '测试社会工作服务中心',
    areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'c1', name: '一社区' }, { code: 'c2', name: '二社区' }] }],
  },
  {
    id: 'imp-contract',
    kind: 'contract',
    code: 'T1-2025',
    station: 'T1',
    periodStart: '2025-01-01',
    periodEnd: '2025-12-31',
    budgetYuan: '2400000.00',
    targets: { phone_contacts: 3000, resources_linked_yuan: '60000.00' },
  },
];

export const at = { station: 'T1', community: 'c1', occurredOn: '2025-03-01', worker: '社工甲' };
export const phone = (id: string, extra: Line = {}): Line => ({ id, kind: 'phone_contact', ...at, effective: true, ...extra });
export const ndjson = (lines: (Line | string)[], eol = '\n'): string => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join(eol) + eol;
