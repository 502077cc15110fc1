/**
 * The evaluation report (评估报告) as Markdown, in the structure of seed 003. Every figure comes from the
 * cycle's state (its events): the report of a final cycle is the same text however often it is rendered.
 */
import { CYCLE_KIND_NAMES, STAGES, STAGE_NAMES, type CycleState, type FindingArea } from './cycle.js';
import { Exact } from './exact.js';
import { scoreCycle } from './scoring.js';
import { PARTY_NAMES, weightScheme } from './schemes.js';
import { satisfactionRate } from './sampling.js';

const SECTIONS: { area: FindingArea; title: string }[] = [
  { area: 'management', title: '项目管理' },
  { area: 'quality', title: '服务质量' },
  { area: 'monitoring', title: '服务监测' },
  { area: 'outcomes', title: '服务成效' },
  { area: 'purchaser', title: '购买方评估' },
  { area: 'supervision_centre', title: '督导中心' },
  { area: 'supervisor', title: '监督方评估' },
];
const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const percent = (rate: Exact): string => `${rate.times(Exact.int(100)).toFixed(2)}%`;
const yuanToWan = (yuan: string): string => Exact.parseAmount(yuan).div(Exact.int(10000)).toFixed(2).replace(/\.?0+$/, '');

export interface AnnexRow {
  code: string;
  name: string;
  unit: string;
  target: string;
  actual: string;
  rate: string;
}

/** Annex 1 (指标完成情况统计表): one row per indicator captured as of the cut-off. */
export function indicatorAnnex(state: CycleState): AnnexRow[] {
  return (state.figures?.figures ?? []).map((f) => {
    const target = f.target === null ? null : Exact.parseAmount(f.target);
    const rate = target && target.cmp(Exact.ZERO) > 0 ? Exact.parseAmount(f.actual).div(target) : null;
    return { code: f.code, name: f.name, unit: f.unit, target: f.target ?? '—', actual: f.actual, rate: rate ? percent(rate) : '—' };
  });
}

function findingsSection(state: CycleState, area: FindingArea, byServiceArea: boolean): string[] {
  const lines: string[] = [];
  for (const [kind, title] of [['strength', '值得肯定的地方'], ['concern', '需要关注的地方']] as const) {
    lines.push(`**${kind === 'strength' ? 1 : 2}. ${title}**`, '');
    const findings = state.findings.filter((f) => f.area === area && f.kind === kind);
    if (findings.length === 0) lines.push('暂无相关意见。', '');
    const groups = byServiceArea ? [...new Set(findings.map((f) => f.serviceArea ?? ''))] : [''];
    for (const group of groups) {
      const inGroup = byServiceArea ? findings.filter((f) => (f.serviceArea ?? '') === group) : findings;
      if (group) lines.push(`*${group}*`, '');
      inGroup.forEach((f, i) => {
        const evidence = f.evidence.map((e) => `${e.kind === 'data_quality' ? '数据质量检查 ' : ''}${e.value ? `${e.ref}：${e.value}` : e.ref}`).join('；');
        lines.push(`(${i + 1}) ${f.text}`, '', `> 依据：${evidence}`, '');
      });
    }
  }
  return lines;
}

export function renderReportMarkdown(state: CycleState): string {
  const subject = state.subject!;
  const { station, contract } = subject;
  const scheme = weightScheme(state.schemeVersion!);
  const score = scoreCycle(state).explanation;
  const kind = CYCLE_KIND_NAMES[state.kind!];
  const year = state.cutOff!.slice(0, 4);
  const title = `${year} 年度${station.districtName}${station.street}社工服务站 ${kind}评估报告`;
  const final = state.final;
  const communities = station.areas.reduce((n, a) => n + a.communities.length, 0);
  const annex = indicatorAnnex(state);
  const sample = state.sample;
  const rate = satisfactionRate(Object.values(state.responses));
  const reached = STAGES.indexOf(state.stage!);
  const weights = Object.entries(scheme.weights)
    .map(([party, weight]) => `${PARTY_NAMES[party as keyof typeof PARTY_NAMES]} ${weight} 分`)
    .join('、');

  const lines: string[] = [
    `# ${title}${final ? '' : '（初稿）'}`,
    '',
    `- 项目监督方：${station.districtName}民政局`,
    `- 项目购买方：${station.districtName}${station.street}街道办事处`,
    `- 项目承办方：${station.operator}`,
    `- 项目评估方：${subject.evaluator}`,
    `- 采购项目编号：${contract.code}`,
    `- 报告日期：${final?.issuedOn ?? state.draftIssuedOn ?? '—'}`,
    '',
    `> 数据截止说明：本报告的指标数据截至 ${state.figures?.asOf ?? state.cutOff}（统计期 ${state.figures?.periodStart ?? contract.periodStart} 起，` +
      `覆盖事件日志位置 ≤ ${state.figures?.coveredPosition ?? '—'}）；评分细则 ${state.rubricVersion}，权重方案 ${scheme.version}。`,
    '',
    `## 一、${kind}评估背景`,
    '',
    `${subject.evaluator}组织 ${Object.values(state.evaluators).filter((e) => !e.recused).length} 位评估专家对${station.name}开展${kind}评估，通过听取介绍、实地观察、查阅资料、服务访谈、机构运营访谈、服务对象满意度调查和总结反馈等形式，对项目管理、服务开展情况以及项目成效进行评估。`,
    '',
    '### （一）评估阶段',
    '',
    ...STAGES.map((stage, i) => {
      const status = i < reached || (stage === 'final_report' && final) ? '已完成' : i === reached ? '进行中' : '未开始';
      const on = stage === 'draft_report' ? state.draftIssuedOn : stage === 'final_report' ? final?.issuedOn : undefined;
      return `${i + 1}. ${STAGE_NAMES[stage]}（${status}${on ? `，${stage === 'draft_report' ? '初稿' : '最终报告'}出具于 ${on}` : ''}）`;
    }),
    '',
    '### （二）评估结果说明',
    '',
    `评估总分为 ${scheme.maxTotal} 分，其中${weights}。评估等级分为优秀、良好、合格、不合格四个等级：` +
      scheme.grades.map((g) => `${g.grade} ≥ ${g.min} 分`).join('，') + `，低于 ${scheme.grades.at(-1)!.min} 分为不合格。`,
    '',
    '## 二、评估总结',
    '',
    '### （一）社工站基本情况',
    '',
    `${station.name}由${station.operator}负责运营，辖内共有 ${communities} 个社区，划分为 ${station.areas.length} 个服务片区` +
      `（${station.areas.map((a) => `${a.name}：${a.communities.map((c) => c.name).join('、')}`).join('；')}）。` +
      `服务经费为 ${yuanToWan(contract.budgetYuan)} 万元，项目合同期为 ${contract.periodStart} 至 ${contract.periodEnd}。`,
    '',
    '### （二）各项目服务进度情况',
    '',
    annex.length === 0
      ? '指标数据尚未采集。'
      : annex.map((row) => `${row.name} ${row.actual} ${row.unit}（完成协议指标量的 ${row.rate}）`).join('；') + '。各项目指标完成情况见附件 1。',
    '',
  ];
  SECTIONS.forEach(({ area, title: sectionTitle }, i) => {
    lines.push(`### （${NUMERALS[i + 2]}）${sectionTitle}`, '');
    if (area === 'monitoring' && sample) {
      lines.push(
        `满意度调查：从 ${sample.populationSize} 户服务对象中${sample.populationSize <= sample.minimum ? '全覆盖' : '随机抽取'} ${sample.households.length} 户（抽样种子 ${sample.seed}），` +
          (rate ? `已回访 ${rate.responses} 户，满意 ${rate.satisfied} 户，总体满意度 ${percent(Exact.ratio(BigInt(rate.satisfied), BigInt(rate.responses)))}。` : '尚未回访。'),
        '',
      );
    }
    lines.push(...findingsSection(state, area, area === 'quality'));
  });
  const objections = Object.entries(state.objections);
  lines.push(
    '## 三、评估反馈',
    '',
    objections.length === 0
      ? '对评估报告初稿无异议。'
      : objections
          .map(([id, o], i) => `${i + 1}. ${o.party}提出异议（${id}）：${o.text}。处理结果：${o.resolution ? `${o.resolution.upheld ? '采纳' : '不采纳'}，${o.resolution.text}` : '待处理'}`)
          .join('\n'),
    '',
    '## 四、评估等级',
    '',
    '| 评分方 | 权重 | 得分 | 加权得分 |',
    '|---|---|---|---|',
    ...score.parties.map((p) => `| ${PARTY_NAMES[p.party]} | ${p.weight} | ${p.score?.value ?? '—'} | ${p.weighted?.value ?? '—'} |`),
    `| 合计 | ${scheme.maxTotal} | | ${final?.total ?? score.total?.value ?? '—'} |`,
    '',
    final
      ? `经过评估，${station.name}本次${kind}评估的等级为：**${final.grade}**。`
      : `初稿评分：${score.total ? `${score.total.value} 分（${score.grade}）` : '尚有评分方未评分'}；最终等级以最终报告为准。`,
    '',
    '## 附件 1：指标完成情况统计表',
    '',
    '| 指标 | 单位 | 协议指标量 | 完成量 | 完成率 |',
    '|---|---|---|---|---|',
    ...annex.map((row) => `| ${row.name} | ${row.unit} | ${row.target} | ${row.actual} | ${row.rate} |`),
    '',
  );
  return lines.join('\n');
}
