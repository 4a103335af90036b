import { RuleSet } from '../types';

const SEED = '004_39c6efd61937e065.txt';

/**
 * 2024年度苏州市知识产权和标准融合计划项目申报指南, version 1. Data only: a changed threshold,
 * list or target is a new version (docs/rules/suzhou-2024-ipstd.md gives every reading).
 */
export const suzhou2024IpstdV1: RuleSet = {
  id: 'suzhou-2024-ipstd',
  version: 1,
  title: { zh: '2024年度苏州市知识产权和标准融合计划项目', en: 'Suzhou 2024 IP-and-standards integration programme' },
  city: '320500',
  source: SEED,
  effective: { from: '2024-01-01', to: '2024-12-31' },
  clauses: [
    {
      id: 'SZ24-E0',
      kind: 'registered-in-region',
      citation: `${SEED} 二`,
      description: { zh: '苏州市行政区域内注册的具有独立法人资格的企业', en: 'An enterprise registered in Suzhou with independent legal-person status' },
      params: { divisionPrefix: '3205', region: { zh: '苏州市', en: 'Suzhou' }, requireIndependentLegalPerson: true, outsideRegion: 'finding' },
    },
    {
      id: 'SZ24-E1',
      kind: 'growth-or-profit',
      citation: `${SEED} 三(一)`,
      description: { zh: '企业资产及经营状况良好，原则上近三年主营业务保持增长或持续盈利', en: 'Sound assets and operations; in principle, main-business growth or continuous profit over the last three years' },
      params: { years: 3, shortfall: 'finding', requireHealthyAssets: true },
    },
    {
      id: 'SZ24-E2',
      kind: 'patent-portfolio',
      citation: `${SEED} 三(二)`,
      description: {
        zh: '知识产权管理制度健全，设立知识产权管理部门并配备人员；有效专利50件(含)以上，其中有效发明专利不少于20件（进入国家阶段的PCT专利申请可按1:3抵算）',
        en: 'IP management system, IP department and staff; at least 50 valid patents, of which at least 20 valid invention patents (a PCT national-phase application counts as 3)',
      },
      params: { requireManagementSystem: true, requireDepartment: true, minStaff: 1, minValidPatents: 50, minInventionPatents: 20, pctRatio: 3 },
    },
    {
      id: 'SZ24-E3',
      kind: 'standard-system',
      citation: `${SEED} 三(三)`,
      description: {
        zh: '企业标准体系有效运行，标准覆盖率达80%以上；设立标准化工作机构并有工作人员；近五年内主导或参与制修订国际、国家、行业标准2项（含）以上',
        en: 'Enterprise standard system in effect with coverage of at least 80 %; a standardisation department and staff; led or took part in at least 2 international, national or industry standards in the last five years',
      },
      params: { minCoveragePercent: 80, requireDepartment: true, minStaff: 1, minStandards: 2, levels: ['international', 'national', 'industry'], roles: ['lead', 'participant'], windowYears: 5 },
    },
    {
      id: 'SZ24-E4',
      kind: 'qms-and-trademark',
      citation: `${SEED} 三(四)`,
      description: { zh: '通过质量管理体系认证，自身拥有有效注册商标', en: 'Quality management system certification; owns a valid registered trademark' },
      params: { requireQms: true, minTrademarks: 1 },
    },
    {
      id: 'SZ24-E5',
      kind: 'clean-credit',
      citation: `${SEED} 三(五)`,
      description: { zh: '无严重失信行为，无非正常专利申请行为（以国家知识产权局通报为准）', en: 'No serious dishonesty; no abnormal patent applications (as notified by CNIPA)' },
      params: { checks: ['serious-dishonesty', 'abnormal-patent-applications'], breachOutcome: 'fail' },
    },
    {
      id: 'SZ24-P',
      kind: 'priority-list',
      citation: `${SEED} 三（同等条件下优先支持）`,
      description: { zh: '同等条件下优先支持的企业', en: 'Enterprises given priority, other things equal' },
      params: {
        items: [
          { id: 'china-patent-award', title: { zh: '中国专利奖', en: 'China Patent Award' } },
          { id: 'china-standard-innovation-contribution-award', title: { zh: '中国标准创新贡献奖', en: 'China Standard Innovation Contribution Award' } },
          { id: 'jiangsu-patent-award', title: { zh: '江苏省专利奖', en: 'Jiangsu Patent Award' } },
          { id: 'jiangsu-standard-innovation-contribution-award', title: { zh: '江苏省标准创新贡献奖', en: 'Jiangsu Standard Innovation Contribution Award' } },
          { id: 'suzhou-patent-award', title: { zh: '苏州市专利奖', en: 'Suzhou Patent Award' } },
          { id: 'national-ip-advantage-enterprise', title: { zh: '国家知识产权优势企业', en: 'National IP advantage enterprise' } },
          { id: 'national-ip-demonstration-enterprise', title: { zh: '国家知识产权示范企业', en: 'National IP demonstration enterprise' } },
          { id: 'ip-peak-plan', title: { zh: '企业知识产权登峰行动计划', en: 'Enterprise IP Peak action plan' } },
          { id: 'high-value-patent-cultivation-plan', title: { zh: '高价值专利培育计划', en: 'High-value patent cultivation plan' } },
          { id: 'national-standardisation-pilot', title: { zh: '国家级标准化试点示范', en: 'National standardisation pilot or demonstration' } },
          { id: 'standards-body-secretariat', title: { zh: '承担国际和全国专业标准化技术组织秘书处', en: 'Secretariat of an international or national standardisation technical body' } },
          { id: 'jiangsu-standardisation-pilot', title: { zh: '江苏省标准化试点示范', en: 'Jiangsu standardisation pilot or demonstration' } },
        ],
      },
    },
  ],
  targets: [
    {
      id: 'SZ24-T1',
      citation: `${SEED} 四(二)1`,
      description: {
        zh: '建立知识产权和标准协同创新工作体系，建立或参与产业知识产权和标准协同创新中心（联盟），构建标准必要专利（标准相关专利）专利池',
        en: 'An IP-and-standards collaborative innovation system; found or join an industry collaboration centre (alliance); build a standard-essential (standard-related) patent pool',
      },
      stages: ['mid-term', 'acceptance'],
      requirements: [
        { check: 'true', field: 'collaborationSystem' },
        { check: 'true', field: 'collaborationCentreOrAlliance' },
        { check: 'true', field: 'patentPool' },
      ],
    },
    {
      id: 'SZ24-T2',
      citation: `${SEED} 四(二)2`,
      description: {
        zh: '经省内具备资质的交易场所许可、交易专利（组合）或从高校科研院所获得专利（组合）不少于5件；备案认定的专利密集型产品1项（含）以上并形成相应技术标准',
        en: 'At least 5 patents (portfolios) licensed or traded through a qualified exchange in the province or obtained from universities and institutes; at least 1 recorded patent-intensive product turned into a standard',
      },
      stages: ['mid-term', 'acceptance'],
      requirements: [
        { check: 'at-least', field: 'licensedPatents', min: 5 },
        { check: 'at-least', field: 'standardisedPatentIntensiveProducts', min: 1 },
      ],
    },
    {
      id: 'SZ24-T3',
      citation: `${SEED} 四(二)3`,
      description: {
        zh: '自主知识产权成果转化为技术标准3项（含）以上（其中国际、国家、行业、地方、团体标准不少于2项）',
        en: 'At least 3 standards converted from own IP, of which at least 2 international, national, industry, local or group standards',
      },
      stages: ['mid-term', 'acceptance'],
      requirements: [{ check: 'standards', field: 'standardsFromOwnIp', min: 3, minAtLevels: 2, levels: ['international', 'national', 'industry', 'local', 'group'] }],
    },
    {
      id: 'SZ24-T4',
      citation: `${SEED} 四(二)4`,
      description: { zh: '组织召开1次以上知识产权与标准协同创新工作会议，与会专家人数不少于50人', en: 'At least 1 IP-and-standards collaboration meeting with at least 50 experts' },
      stages: ['mid-term', 'acceptance'],
      requirements: [{ check: 'meetings', field: 'collaborationMeetings', min: 1, minExperts: 50 }],
    },
    {
      id: 'SZ24-T5',
      citation: `${SEED} 四(二)5`,
      description: { zh: '知识产权和标准工作经费支出占企业科研经费支出比例递增', en: 'IP and standards spending as a share of R&D spending rising year on year' },
      stages: ['mid-term', 'acceptance'],
      requirements: [{ check: 'rising', field: 'ipStandardsShareOfRdPercent' }],
    },
    {
      id: 'SZ24-T6',
      citation: `${SEED} 四(二)6`,
      description: {
        zh: '建立知识产权和标准融合领导小组，设置知识产权和标准总监1名；实施期内至少3人通过考核并获得相关证书',
        en: 'An IP-and-standards leadership group and one IP-and-standards director; at least 3 staff certified during the implementation period',
      },
      stages: ['mid-term', 'acceptance'],
      requirements: [
        { check: 'true', field: 'leadershipGroup' },
        { check: 'true', field: 'ipStandardsDirector' },
        { check: 'at-least', field: 'certifiedStaff', min: 3 },
      ],
    },
    {
      id: 'SZ24-T7',
      citation: `${SEED} 四(二)7`,
      description: { zh: '通过各类媒体宣传典型经验和工作成效；举办知识产权和标准协同创新示范现场会', en: 'Publicity of experience and results in the media; an on-site demonstration meeting' },
      stages: ['mid-term', 'acceptance'],
      requirements: [
        { check: 'true', field: 'publicity' },
        { check: 'true', field: 'onSiteDemonstration' },
      ],
    },
    {
      id: 'SZ24-T8',
      citation: `${SEED} 四(二)8`,
      description: { zh: '形成不少于5000字左右的工作总结；国内同类产品市场占有率进一步提高', en: 'A work summary of about 5000 characters or more; domestic market share rising' },
      stages: ['acceptance'],
      requirements: [
        { check: 'at-least', field: 'summaryChars', min: 5000 },
        { check: 'rising', field: 'domesticMarketSharePercent' },
      ],
    },
  ],
};
