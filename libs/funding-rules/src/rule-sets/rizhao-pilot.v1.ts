import { RuleSet } from '../types';

const SEED = '002_2717c857cd88b5c5.txt';

/**
 * 日照市专利标准战略融合创新城市试点实施方案 (日政办字〔2022〕56号), version 1. The plan mandates an
 * evaluation index with dynamic adjustment (三(一)3) but fixes no indicator, weight or pass mark:
 * those below are this version's choices, built from the plan's own measures, and a new version
 * changes them (docs/rules/rizhao-pilot.md).
 */
export const rizhaoPilotV1: RuleSet = {
  id: 'rizhao-pilot',
  version: 1,
  title: { zh: '日照市专利标准战略融合创新城市试点', en: 'Rizhao patent-and-standards integration innovation city pilot' },
  city: '371100',
  source: SEED,
  effective: { from: '2022-12-10', to: '2025-12-31' },
  clauses: [
    {
      id: 'RZ-E0',
      kind: 'registered-in-region',
      citation: `${SEED} 一；三(一)1`,
      description: { zh: '在日照市登记的试点主体（企业、产业集群）', en: 'A pilot subject (enterprise or industrial cluster) registered in Rizhao' },
      params: { divisionPrefix: '3711', region: { zh: '日照市', en: 'Rizhao' }, requireIndependentLegalPerson: false, outsideRegion: 'finding' },
    },
    {
      id: 'RZ-E1',
      kind: 'clean-credit',
      citation: `${SEED} 五(三)`,
      description: {
        zh: '无严重失信行为、无非正常专利申请通报（方案未作规定，仅作审查提示）',
        en: 'No serious dishonesty and no abnormal patent application notice (not stated in the plan: a point for review only)',
      },
      params: { checks: ['serious-dishonesty', 'abnormal-patent-applications'], breachOutcome: 'finding' },
    },
  ],
  index: {
    passMark: 60,
    indicators: [
      {
        id: 'RZ-I1',
        citation: `${SEED} 二(二)；三(三)8`,
        description: { zh: '主导或参与制修订的标准（按级别计分）', en: 'Standards led or co-drafted, scored by level' },
        input: 'standardsByLevel',
        scoring: { kind: 'per-level', weight: 20, points: { international: 10, national: 8, industry: 6, local: 5, group: 4, enterprise: 2 } },
      },
      {
        id: 'RZ-I2',
        citation: `${SEED} 二(二)；三(三)9`,
        description: { zh: '首创标准或“领跑者”标准', en: 'First-of-kind or "leader" standards' },
        input: 'leaderStandards',
        scoring: { kind: 'linear', weight: 10, cap: 2 },
      },
      {
        id: 'RZ-I3',
        citation: `${SEED} 三(三)8；三(三)9`,
        description: { zh: '专利技术方案转化为标准核心技术要素', en: 'Patented technical solutions turned into core elements of standards' },
        input: 'patentsIntoStandards',
        scoring: { kind: 'linear', weight: 15, cap: 3 },
      },
      {
        id: 'RZ-I4',
        citation: `${SEED} 二(三)；三(三)8`,
        description: { zh: '知识产权贯标认证（《企业知识产权管理规范》）', en: 'Certified against the enterprise IP management standard (贯标)' },
        input: 'ipManagementCertified',
        scoring: { kind: 'boolean', weight: 10 },
      },
      {
        id: 'RZ-I5',
        citation: `${SEED} 二(三)；三(三)9`,
        description: { zh: '企业标准化良好行为', en: 'Standardisation good-behaviour enterprise' },
        input: 'standardisationGoodBehaviour',
        scoring: { kind: 'boolean', weight: 10 },
      },
      {
        id: 'RZ-I6',
        citation: `${SEED} 二(三)；三(二)6`,
        description: { zh: '高价值专利培育中心', en: 'High-value patent cultivation centre' },
        input: 'highValuePatentCentre',
        scoring: { kind: 'boolean', weight: 10 },
      },
      {
        id: 'RZ-I7',
        citation: `${SEED} 三(二)4；三(三)8`,
        description: { zh: '专利导航项目', en: 'Patent navigation projects' },
        input: 'patentNavigationProjects',
        scoring: { kind: 'linear', weight: 10, cap: 2 },
      },
      {
        id: 'RZ-I8',
        citation: `${SEED} 二(四)；三(二)5`,
        description: { zh: '培养的专利标准融合创新人才（人）', en: 'People trained in patent-and-standards integration' },
        input: 'peopleTrained',
        scoring: { kind: 'linear', weight: 5, cap: 20 },
      },
      {
        id: 'RZ-I9',
        citation: `${SEED} 二(三)`,
        description: { zh: '整合专利和标准化工作职能', en: 'Patent and standardisation functions integrated' },
        input: 'integratedIpStandardsFunction',
        scoring: { kind: 'boolean', weight: 10 },
      },
    ],
  },
  cityTargets: [
    { id: 'RZ-C1', citation: `${SEED} 二(二)`, description: { zh: '发布国际、国家、行业、地方、团体或企业标准', en: 'International, national, industry, local, group or enterprise standards published' }, value: 200, unit: 'count', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C2', citation: `${SEED} 二(二)`, description: { zh: '首创标准或“领跑者”标准', en: 'First-of-kind or "leader" standards' }, value: 10, unit: 'count', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C3', citation: `${SEED} 二(二)`, description: { zh: '关键共性技术和应用类科技计划项目形成标准研究成果的比率', en: 'Key generic and applied S&T projects with standard outcomes' }, value: 60, unit: 'percent', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C4', citation: `${SEED} 二(三)`, description: { zh: '专利标准融合机制创新试点企业', en: 'Pilot enterprises' }, value: 50, unit: 'count', comparison: 'target', dueBy: '2025-12-31' },
    { id: 'RZ-C5', citation: `${SEED} 二(三)`, description: { zh: '专利标准融合机制创新示范区', en: 'Demonstration zones' }, value: 5, unit: 'count', comparison: 'target', dueBy: '2025-12-31' },
    { id: 'RZ-C6', citation: `${SEED} 二(三)`, description: { zh: '知识产权贯标备案企业', en: 'Enterprises with recorded IP management certification (贯标)' }, value: 60, unit: 'count', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C7', citation: `${SEED} 二(三)`, description: { zh: '标准化良好行为企业', en: 'Standardisation good-behaviour enterprises' }, value: 120, unit: 'count', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C8', citation: `${SEED} 二(三)`, description: { zh: '高价值专利培育中心', en: 'High-value patent cultivation centres' }, value: 60, unit: 'count', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C9', citation: `${SEED} 二(三)`, description: { zh: '万人有效发明专利拥有量', en: 'Valid invention patents per 10,000 people' }, value: 10, unit: 'per-10k-people', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C10', citation: `${SEED} 二(四)`, description: { zh: '培养专利标准融合创新人才', en: 'People trained in patent-and-standards integration' }, value: 1500, unit: 'count', comparison: 'at-least', dueBy: '2025-12-31' },
    { id: 'RZ-C11', citation: `${SEED} 二(四)`, description: { zh: '每年专题讲座和机制创新经验分享', en: 'Lectures and experience-sharing sessions a year' }, value: 2, unit: 'per-year', comparison: 'at-least', dueBy: '2025-12-31' },
  ],
};
