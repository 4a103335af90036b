import { DomainError } from '@ipstd/kernel';
import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { CREDIT_CODES } from '../../../test/support/fixtures';
import { assess, clause, profile, SUZHOU_DEADLINE } from './support';

/** A valid credit code registered by the authority of `division`. */
const codeIn = (division: string) => {
  const first17 = `91${division}MA1MXXXXX`;
  return first17 + creditCodeCheckCharacter(first17);
};

const years = (...rows: Array<[number, number, number]>) => rows.map(([year, revenueFen, netProfitFen]) => ({ year, revenueFen, netProfitFen }));

describe('Suzhou 2024 eligibility (004_39c6efd61937e065.txt)', () => {
  describe('the API example applicant', () => {
    const assessment = assess(profile());

    it('is eligible with every clause passed, in rule-set order', () => {
      expect(assessment.outcome).toBe('eligible');
      expect(assessment.clauses.map((c) => [c.id, c.outcome])).toEqual([
        ['SZ24-E0', 'pass'],
        ['SZ24-E1', 'pass'],
        ['SZ24-E2', 'pass'],
        ['SZ24-E3', 'pass'],
        ['SZ24-E4', 'pass'],
        ['SZ24-E5', 'pass'],
      ]);
      expect(assessment.ruleSet).toEqual({ id: 'suzhou-2024-ipstd', version: 1 });
      expect(assessment.referenceDate).toBe(SUZHOU_DEADLINE);
    });

    it('cites the clause of the guide for every result', () => {
      expect(assessment.clauses.map((c) => c.citation)).toEqual([
        '004_39c6efd61937e065.txt 二',
        '004_39c6efd61937e065.txt 三(一)',
        '004_39c6efd61937e065.txt 三(二)',
        '004_39c6efd61937e065.txt 三(三)',
        '004_39c6efd61937e065.txt 三(四)',
        '004_39c6efd61937e065.txt 三(五)',
      ]);
    });

    it('shows the PCT conversion in the explanation', () => {
      const e2 = clause(assessment, 'SZ24-E2');
      expect(e2.explanation.zh).toContain('有效发明专利 18 件 + 进入国家阶段的PCT申请 1 件 × 3 = 21 件 ≥ 20 件');
      expect(e2.explanation.en).toContain('18 valid invention patents + 1 PCT national-phase application × 3 = 21 ≥ 20');
      expect(e2.inputs).toMatchObject({ validInventionPatents: 18, pctNationalPhaseApplications: 1, pctRatio: 3, inventionPatentEquivalent: 21 });
    });
  });

  describe('SZ24-E0 registered in Suzhou, independent legal person (二)', () => {
    it.each([
      ['a Huqiu registration', CREDIT_CODES.huqiu, true, 'pass'],
      ['a Suzhou Industrial Park registration', CREDIT_CODES.sip, true, 'pass'],
      ['a city-level Suzhou registration (320500)', codeIn('320500'), true, 'pass'],
      ['a Rizhao registration: a finding', CREDIT_CODES.rizhao, true, 'finding'],
      ['a Jiangsu provincial registration (320000): a finding', codeIn('320000'), true, 'finding'],
      ['a code with a wrong check character: fail', '91320505MA1MXXXXX1', true, 'fail'],
      ['a malformed code: fail', 'not-a-credit-code', true, 'fail'],
      ['a Suzhou enterprise that is not an independent legal person: fail', CREDIT_CODES.huqiu, false, 'fail'],
      ['a Rizhao enterprise that is not an independent legal person: fail', CREDIT_CODES.rizhao, false, 'fail'],
    ])('%s', (_, creditCode, independentLegalPerson, expected) => {
      expect(clause(assess(profile({ enterprise: { creditCode, independentLegalPerson } })), 'SZ24-E0').outcome).toBe(expected);
    });

    it('names the division it read and leaves the decision to review', () => {
      const assessment = assess(profile({ enterprise: { creditCode: CREDIT_CODES.rizhao } }));
      const e0 = clause(assessment, 'SZ24-E0');
      expect(assessment.outcome).toBe('needs-review');
      expect(e0.inputs).toEqual({ creditCodeValid: true, division: '371102', divisionPrefix: '3205', independentLegalPerson: true });
      expect(e0.explanation.zh).toContain('371102 不属于苏州市（3205）');
      expect(e0.explanation.en).toContain('371102 is not in Suzhou (3205)');
    });
  });

  describe('SZ24-E1 assets, and in principle growth or continuous profit (三(一))', () => {
    it.each([
      ['rising revenue and profit every year', years([2021, 100, 10], [2022, 110, 10], [2023, 120, 10]), 'pass'],
      ['rising revenue with losses', years([2021, 100, -10], [2022, 110, -5], [2023, 120, -1]), 'pass'],
      ['falling revenue but profit every year', years([2021, 120, 1], [2022, 110, 1], [2023, 100, 1]), 'pass'],
      ['flat revenue is not growth, and a loss year', years([2021, 100, 1], [2022, 100, 1], [2023, 100, 0]), 'finding'],
      ['falling revenue and a loss: a finding, never a fail', years([2021, 120, 5], [2022, 110, -5], [2023, 100, 5]), 'finding'],
      ['no figures for 2023', years([2020, 100, 1], [2021, 110, 1], [2022, 120, 1]), 'finding'],
      ['years declared out of order', years([2023, 120, 1], [2021, 100, 1], [2022, 110, 1]), 'pass'],
    ])('%s', (_, rows, expected) => {
      expect(clause(assess(profile({ finance: { years: rows } })), 'SZ24-E1').outcome).toBe(expected);
    });

    it('makes a shortfall a point for reviewers: the outcome is needs-review', () => {
      const assessment = assess(profile({ finance: { years: years([2021, 120, 5], [2022, 110, -5], [2023, 100, 5]) } }));
      const e1 = clause(assessment, 'SZ24-E1');
      expect(assessment.outcome).toBe('needs-review');
      expect(e1.explanation.zh).toContain('原则上');
      expect(e1.explanation.en).toContain('in principle');
      expect(e1.inputs).toMatchObject({ years: [2021, 2022, 2023], growth: false, continuousProfit: false });
    });

    it('reads the three complete fiscal years before the reference date', () => {
      const e1 = clause(assess(profile(), { referenceDate: '2025-03-01' }), 'SZ24-E1');
      expect(e1.outcome).toBe('finding');
      expect(e1.explanation.en).toContain('no financial data for 2024');
    });

    it('rejects unsound assets: that part is not "in principle"', () => {
      expect(clause(assess(profile({ finance: { assetsHealthy: false } })), 'SZ24-E1').outcome).toBe('fail');
    });

    it('gives the figures in yuan', () => {
      expect(clause(assess(profile()), 'SZ24-E1').explanation.zh).toContain('1,200,000,000.00 → 1,350,000,000.00 → 1,500,000,000.00 元');
    });
  });

  describe('SZ24-E2 IP base: ≥ 50 valid patents, ≥ 20 invention patents with PCT at 1:3 (三(二))', () => {
    it.each([
      ['49 valid patents', { validPatents: 49 }, 'fail'],
      ['50 valid patents', { validPatents: 50 }, 'pass'],
      ['19 invention patents, no PCT', { validInventionPatents: 19, pctNationalPhaseApplications: 0 }, 'fail'],
      ['20 invention patents, no PCT', { validInventionPatents: 20, pctNationalPhaseApplications: 0 }, 'pass'],
      ['17 + 1 PCT × 3 = 20', { validInventionPatents: 17, pctNationalPhaseApplications: 1 }, 'pass'],
      ['16 + 1 PCT × 3 = 19', { validInventionPatents: 16, pctNationalPhaseApplications: 1 }, 'fail'],
      ['0 + 7 PCT × 3 = 21', { validInventionPatents: 0, pctNationalPhaseApplications: 7 }, 'pass'],
      ['no IP management system', { managementSystem: false }, 'fail'],
      ['no IP department', { department: false }, 'fail'],
      ['no IP staff', { staff: 0 }, 'fail'],
      ['one part-time IP staff member', { staff: 1 }, 'pass'],
    ])('%s', (_, ip, expected) => {
      expect(clause(assess(profile({ ip })), 'SZ24-E2').outcome).toBe(expected);
    });

    it('does not count PCT applications toward the 50 valid patents', () => {
      const e2 = clause(assess(profile({ ip: { validPatents: 49, validInventionPatents: 20, pctNationalPhaseApplications: 5 } })), 'SZ24-E2');
      expect(e2.outcome).toBe('fail');
      expect(e2.explanation.zh).toContain('有效专利 49 件 < 50 件');
      expect(e2.explanation.en).toContain('49 valid patents < 50');
    });

    it('says why 16 + 1 × 3 fails', () => {
      const e2 = clause(assess(profile({ ip: { validInventionPatents: 16, pctNationalPhaseApplications: 1 } })), 'SZ24-E2');
      expect(e2.explanation.en).toContain('16 valid invention patents + 1 PCT national-phase application × 3 = 19 < 20');
    });
  });

  describe('SZ24-E3 standards base: coverage ≥ 80 %, ≥ 2 international/national/industry standards in 5 years (三(三))', () => {
    const standard = (code: string, level: string, publishedOn: string, role = 'participant') => ({ code, level, role, publishedOn }) as never;
    const recent = standard('GB/T 40000-2021', 'national', '2021-06-01', 'lead');

    it.each([
      ['79.9 % coverage', { systemCoveragePercent: 79.9 }, 'fail'],
      ['80 % coverage (以上 includes the figure)', { systemCoveragePercent: 80 }, 'pass'],
      ['no standardisation department', { department: false }, 'fail'],
      ['no standardisation staff', { staff: 0 }, 'fail'],
      ['a standard published exactly 5 years before the deadline', { participations: [recent, standard('GB/T 1-2019', 'national', '2019-11-17')] }, 'pass'],
      ['a standard published 5 years and one day before the deadline', { participations: [recent, standard('GB/T 1-2019', 'national', '2019-11-16')] }, 'fail'],
      ['a standard published on the deadline', { participations: [recent, standard('ISO 1-2024', 'international', '2024-11-17')] }, 'pass'],
      ['a standard published after the deadline', { participations: [recent, standard('ISO 1-2024', 'international', '2024-11-18')] }, 'fail'],
      ['a local standard does not count', { participations: [recent, standard('DB32/T 1-2023', 'local', '2023-01-01')] }, 'fail'],
      ['a group standard does not count', { participations: [recent, standard('T/SZ 1-2023', 'group', '2023-01-01')] }, 'fail'],
      ['an enterprise standard does not count', { participations: [recent, standard('Q/SZ 1-2023', 'enterprise', '2023-01-01')] }, 'fail'],
      ['the same standard twice counts once', { participations: [recent, recent] }, 'fail'],
      ['an international and an industry standard as participant', { participations: [standard('ISO 2-2022', 'international', '2022-01-01'), standard('SJ/T 2-2020', 'industry', '2020-01-01')] }, 'pass'],
    ])('%s', (_, standards, expected) => {
      expect(clause(assess(profile({ standards })), 'SZ24-E3').outcome).toBe(expected);
    });

    it('states the window and what it counted', () => {
      const e3 = clause(assess(profile({ standards: { participations: [recent, standard('T/SZ 1-2023', 'group', '2023-01-01')] } })), 'SZ24-E3');
      expect(e3.explanation.zh).toContain('2019-11-17 至 2024-11-17 发布的国际、国家、行业标准 1 项（GB/T 40000-2021） < 2 项，另有 1 项因级别、角色或发布日期不计入');
      expect(e3.inputs).toMatchObject({ windowFrom: '2019-11-17', windowTo: '2024-11-17', counted: ['GB/T 40000-2021'], excluded: [{ code: 'T/SZ 1-2023', reason: 'level' }] });
    });

    it('shows decimal coverage as given', () => {
      expect(clause(assess(profile({ standards: { systemCoveragePercent: 79.9 } })), 'SZ24-E3').explanation.en).toContain('coverage 79.9% < 80%');
    });
  });

  describe('SZ24-E4 quality management certification and a registered trademark (三(四))', () => {
    it.each([
      ['certified, 1 trademark', { qmsCertified: true, registeredTrademarks: 1 }, 'pass'],
      ['certified, no trademark', { qmsCertified: true, registeredTrademarks: 0 }, 'fail'],
      ['not certified', { qmsCertified: false, registeredTrademarks: 5 }, 'fail'],
    ])('%s', (_, quality, expected) => {
      expect(clause(assess(profile({ quality })), 'SZ24-E4').outcome).toBe(expected);
    });
  });

  describe('SZ24-E5 no serious dishonesty, no abnormal patent applications (三(五))', () => {
    it.each([
      ['clean declaration, no pushed facts', {}, {}, 'pass'],
      ['declared serious dishonesty', { seriousDishonesty: true }, {}, 'fail'],
      ['declared abnormal patent applications', { abnormalPatentApplications: true }, {}, 'fail'],
      ['a pushed CNIPA notice over a clean declaration', {}, { abnormalPatentApplications: true }, 'fail'],
      ['a pushed clearance over a declared record', { seriousDishonesty: true }, { seriousDishonesty: false }, 'pass'],
    ])('%s', (_, credit, facts, expected) => {
      expect(clause(assess(profile({ credit }), { facts }), 'SZ24-E5').outcome).toBe(expected);
    });

    it('says which source each fact came from', () => {
      const e5 = clause(assess(profile(), { facts: { abnormalPatentApplications: true } }), 'SZ24-E5');
      expect(e5.inputs).toEqual({
        'serious-dishonesty': { value: false, source: 'profile' },
        'abnormal-patent-applications': { value: true, source: 'pushed-fact' },
      });
      expect(e5.explanation.zh).toContain('有非正常专利申请通报（以国家知识产权局通报为准）（依据外部系统推送）');
      expect(e5.explanation.en).toContain('an abnormal patent application notice (as notified by CNIPA) (as pushed by another system)');
    });
  });

  describe('SZ24-P priority support, other things equal (三, last paragraph)', () => {
    it.each([
      ['the example applicant', ['jiangsu-patent-award'], ['jiangsu-patent-award']],
      ['none', [], []],
      ['unknown awards are ignored', ['best-employer', 'suzhou-patent-award'], ['suzhou-patent-award']],
      ["in the list's order, whatever the applicant's", ['jiangsu-standardisation-pilot', 'china-patent-award'], ['china-patent-award', 'jiangsu-standardisation-pilot']],
    ])('%s', (_, awards, items) => {
      const assessment = assess(profile({ awards }));
      expect(assessment.priority).toEqual([expect.objectContaining({ id: 'SZ24-P', items, citation: expect.stringContaining('004_39c6efd61937e065.txt 三') })]);
    });

    it('never decides eligibility', () => {
      expect(assess(profile({ awards: [] })).outcome).toBe('eligible');
      expect(assess(profile({ awards: ['china-patent-award'], ip: { validPatents: 10 } })).outcome).toBe('ineligible');
    });

    it('names the items held', () => {
      expect(assess(profile()).priority[0].explanation).toEqual({ zh: '同等条件下优先支持：江苏省专利奖', en: 'priority support, other things equal: Jiangsu Patent Award' });
    });
  });

  describe('the outcome', () => {
    it('is ineligible when a fail and a finding meet', () => {
      const assessment = assess(profile({ enterprise: { creditCode: CREDIT_CODES.rizhao }, quality: { registeredTrademarks: 0 } }));
      expect(assessment.outcome).toBe('ineligible');
    });

    it('refuses a malformed reference date, which is the caller\'s error', () => {
      expect(() => assess(profile(), { referenceDate: '2024-02-30' })).toThrow(DomainError);
      expect(() => assess(profile(), { referenceDate: '2024/11/17' })).toThrow(expect.objectContaining({ code: 'RULES_REFERENCE_DATE_INVALID' }));
    });
  });
});
