import type { CycleSubject } from './cycle.js';

/** A station as a cycle records it, for specs. */
export const subject: CycleSubject = {
  station: {
    code: 'SYL',
    name: '三元里街社工服务站',
    street: '三元里街',
    operator: '广州市穗星社会工作服务中心',
    district: '440111',
    districtName: '白云区',
    areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'songbaigang', name: '松柏岗社区' }] }],
  },
  contract: { code: 'K1', periodStart: '2024-05-24', periodEnd: '2025-05-23', budgetYuan: '2400000.00' },
  evaluator: '广州市社会组织联合会',
};
