import { foldCycle, type CycleEvent } from './cycle.js';
import { indicatorAnnex, renderReportMarkdown } from './report.js';
import { subject } from './test-fixtures.js';

const opened: CycleEvent = {
  type: 'EvaluationCycleOpened',
  data: { cycleId: 'c1', kind: 'final', cutOff: '2025-04-23', rubricVersion: '2025-v1', schemeVersion: '2025', ...subject },
};
const figures: CycleEvent = {
  type: 'IndicatorFiguresCaptured',
  data: {
    asOf: '2025-04-23',
    periodStart: '2024-05-24',
    coveredPosition: 4321,
    figures: [
      { code: 'phone_contacts', name: '电话访问', unit: '个', actual: '3414', target: '3000' },
      { code: 'resources_linked_yuan', name: '资源链接', unit: '元', actual: '405300.00', target: null },
    ],
  },
};

describe('the report', () => {
  it('prints annex 1 rates from the exact figures, and a dash where the contract sets no target', () => {
    expect(indicatorAnnex(foldCycle([opened, figures]))).toEqual([
      { code: 'phone_contacts', name: '电话访问', unit: '个', target: '3000', actual: '3414', rate: '113.80%' },
      { code: 'resources_linked_yuan', name: '资源链接', unit: '元', target: '—', actual: '405300.00', rate: '—' },
    ]);
  });

  it('is marked as a draft until the final report, and notes the cut-off and the log position it covers', () => {
    const text = renderReportMarkdown(foldCycle([opened, { type: 'SelfAssessmentSubmitted', data: { summary: 's' } }, figures]));
    expect(text).toMatch(/^# 2025 年度白云区三元里街社工服务站 末期评估报告（初稿）/);
    expect(text).toContain('数据截至 2025-04-23');
    expect(text).toContain('覆盖事件日志位置 ≤ 4321');
    expect(text).toContain('最终等级以最终报告为准');
    expect(text).toContain('1. 自我评审阶段（已完成）\n2. 实地评估阶段（进行中）\n3. 报告反馈阶段（未开始）');
  });

  it('says 暂无相关意见 for a section without findings, and shows a finding with its evidence under its 片区', () => {
    const finding: CycleEvent = {
      type: 'FindingRecorded',
      data: { findingId: 'f1', area: 'quality', kind: 'concern', serviceArea: '三片区', text: '跟进频率不足', evidence: [{ kind: 'record', ref: 'SYL-飞鹅新村-C0154' }, { kind: 'figure', ref: '电访次数', value: '1' }, { kind: 'data_quality', ref: 'underContacted', value: 'SYL-飞鹅新村-C0154' }] },
    };
    const text = renderReportMarkdown(foldCycle([opened, finding]));
    const quality = text.slice(text.indexOf('（四）服务质量'), text.indexOf('（五）服务监测'));
    expect(quality).toContain('*三片区*');
    expect(quality).toContain('依据：SYL-飞鹅新村-C0154；电访次数：1；数据质量检查 underContacted：SYL-飞鹅新村-C0154');
    const purchaser = text.slice(text.indexOf('（七）购买方评估'), text.indexOf('（八）督导中心'));
    expect(purchaser.match(/暂无相关意见/g)).toHaveLength(2);
  });

  it('reports objections with their outcome in 评估反馈', () => {
    const text = renderReportMarkdown(
      foldCycle([
        opened,
        { type: 'ObjectionRaised', data: { objectionId: 'o1', party: '社工站', text: '评分未反映特色服务' } },
        { type: 'ObjectionResolved', data: { objectionId: 'o1', upheld: false, resolution: '维持原评分' } },
      ]),
    );
    expect(text).toContain('社工站提出异议（o1）：评分未反映特色服务。处理结果：不采纳，维持原评分');
  });
});
