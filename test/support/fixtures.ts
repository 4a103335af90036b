import { ApplicationProfile, ProgrammeTerms } from '@ipstd/applications';

/** The call of API.md's example (Suzhou 2024: window closes 2024-11-17 end of day, Asia/Shanghai). */
export function suzhouTerms(overrides: Partial<ProgrammeTerms> = {}): ProgrammeTerms {
  return {
    code: 'SZ-2024-IPSTD',
    title: '2024年度苏州市知识产权和标准融合计划项目',
    city: '320500',
    ruleSet: { id: 'suzhou-2024-ipstd', version: 1 },
    window: { opensAt: '2024-10-08T00:00:00+08:00', closesAt: '2024-11-17T23:59:59+08:00' },
    endorsementDeadline: '2024-11-20T23:59:59+08:00',
    budgetFen: 2_000_000_000,
    tranchePlan: [
      { percent: 50, trigger: 'award' },
      { percent: 50, trigger: 'acceptance-passed' },
    ],
    review: {
      panelSize: 5,
      aggregation: 'trimmed-mean',
      defenseSize: 10,
      criteria: [
        { id: 'strategy', max: 30 },
        { id: 'ip-standards-base', max: 40 },
        { id: 'targets', max: 30 },
      ],
    },
    implementationMonths: 24,
    acceptanceLeadMonths: 3,
    // These fixtures predate the public notice, review requests and the phase rule: a call as opened
    // before them (as ProgrammeOpened v1 is read), unless a test asks otherwise.
    publicNotice: null,
    reviewRequest: null,
    phases: 'rolling',
    ...overrides,
  };
}

/** Valid GB 32100-2015 codes registered in Suzhou districts (check characters computed, not invented). */
export const CREDIT_CODES = {
  huqiu: '91320505MA1MXXXXX0',
  sip: '91320594MA1W12345B',
  rizhao: '91371102MA3C00001T',
} as const;

/** The application of API.md's example, with a real-format credit code. */
export function suzhouProfile(overrides: { creditCode?: string; district?: string; requestedAmountFen?: number; name?: string } = {}): ApplicationProfile {
  return {
    enterprise: {
      creditCode: overrides.creditCode ?? CREDIT_CODES.huqiu,
      name: overrides.name ?? '苏州某某光电科技有限公司',
      district: overrides.district ?? '320505',
      independentLegalPerson: true,
      contact: { name: '张三', phone: '13800000000' },
    },
    finance: {
      assetsHealthy: true,
      years: [
        { year: 2021, revenueFen: 120_000_000_000, netProfitFen: 9_000_000_000 },
        { year: 2022, revenueFen: 135_000_000_000, netProfitFen: 11_000_000_000 },
        { year: 2023, revenueFen: 150_000_000_000, netProfitFen: 12_000_000_000 },
      ],
    },
    ip: { managementSystem: true, department: true, staff: 4, validPatents: 62, validInventionPatents: 18, pctNationalPhaseApplications: 1 },
    standards: {
      systemCoveragePercent: 86,
      department: true,
      staff: 3,
      participations: [
        { code: 'GB/T 40000-2021', level: 'national', role: 'lead', publishedOn: '2021-06-01' },
        { code: 'SJ/T 11000-2023', level: 'industry', role: 'participant', publishedOn: '2023-03-15' },
      ],
    },
    quality: { qmsCertified: true, registeredTrademarks: 5 },
    credit: { seriousDishonesty: false, abnormalPatentApplications: false },
    awards: ['jiangsu-patent-award'],
    project: { title: '光通信模块标准必要专利布局与转化', summary: '……', requestedAmountFen: overrides.requestedAmountFen ?? 50_000_000 },
  };
}
