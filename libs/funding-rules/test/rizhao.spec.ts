import { DomainError } from '@ipstd/kernel';
import { evaluateIndex, RizhaoPilotIndicators, validateRuleSet } from '../src';
import { CREDIT_CODES } from '../../../test/support/fixtures';
import { assess, clause, copyOf, profile, RIZHAO_V1, SUZHOU_V1 } from './support';

const full: RizhaoPilotIndicators = {
  standardsByLevel: { national: 2, group: 1 },
  leaderStandards: 2,
  patentsIntoStandards: 3,
  ipManagementCertified: true,
  standardisationGoodBehaviour: true,
  highValuePatentCentre: true,
  patentNavigationProjects: 2,
  peopleTrained: 20,
  integratedIpStandardsFunction: true,
};

const rizhao = (patch: Parameters<typeof profile>[0] = {}) => profile({ ...patch, enterprise: { creditCode: CREDIT_CODES.rizhao, ...patch.enterprise } });

describe('Rizhao pilot (002_2717c857cd88b5c5.txt)', () => {
  describe('eligibility, on the same machinery', () => {
    it('admits a Rizhao enterprise', () => {
      const assessment = assess(rizhao(), {}, RIZHAO_V1);
      expect(assessment.outcome).toBe('eligible');
      expect(assessment.clauses.map((c) => c.id)).toEqual(['RZ-E0', 'RZ-E1']);
      expect(assessment.priority).toEqual([]);
    });

    it.each([
      ['a Suzhou registration is a finding', { enterprise: { creditCode: CREDIT_CODES.huqiu } }, 'RZ-E0', 'finding', 'needs-review'],
      ['an industrial cluster need not be a legal person', { enterprise: { independentLegalPerson: false } }, 'RZ-E0', 'pass', 'eligible'],
      ['an invalid credit code fails', { enterprise: { creditCode: '91371102MA3C00001X' } }, 'RZ-E0', 'fail', 'ineligible'],
      ['a dishonesty record is a finding: the plan sets no credit condition', { credit: { seriousDishonesty: true } }, 'RZ-E1', 'finding', 'needs-review'],
    ])('%s', (_, patch, id, outcome, overall) => {
      const assessment = assess(rizhao(patch as never), {}, RIZHAO_V1);
      expect(clause(assessment, id).outcome).toBe(outcome);
      expect(assessment.outcome).toBe(overall);
    });

    it('cites the plan', () => {
      expect(assess(rizhao(), {}, RIZHAO_V1).clauses.map((c) => c.citation)).toEqual(['002_2717c857cd88b5c5.txt 一；三(一)1', '002_2717c857cd88b5c5.txt 五(三)']);
    });
  });

  describe('evaluation index v1 (三(一)3; funds only for units that pass, 五(三))', () => {
    it('gives full marks for full evidence', () => {
      const result = evaluateIndex(RIZHAO_V1, full);
      expect(result).toMatchObject({ ruleSet: { id: 'rizhao-pilot', version: 1 }, score: 100, maxScore: 100, passMark: 60, outcome: 'pass' });
      expect(result.indicators.map((i) => i.id)).toEqual(['RZ-I1', 'RZ-I2', 'RZ-I3', 'RZ-I4', 'RZ-I5', 'RZ-I6', 'RZ-I7', 'RZ-I8', 'RZ-I9']);
    });

    it.each<[string, RizhaoPilotIndicators, number]>([
      ['standards scored by level, capped at the weight', { standardsByLevel: { international: 1, national: 1 } }, 18],
      ['standards by level beyond the cap', { standardsByLevel: { international: 5 } }, 20],
      ['enterprise standards score little', { standardsByLevel: { enterprise: 3 } }, 6],
      ['linear up to the cap', { leaderStandards: 1 }, 5],
      ['linear beyond the cap', { leaderStandards: 7 }, 10],
      ['linear in fractions', { patentsIntoStandards: 1 }, 5],
      ['training: 7 of 20 people', { peopleTrained: 7 }, 1.75],
      ['a boolean held', { ipManagementCertified: true }, 10],
      ['a boolean not held', { ipManagementCertified: false }, 0],
    ])('%s', (_, inputs, score) => {
      expect(evaluateIndex(RIZHAO_V1, inputs).score).toBe(score);
    });

    it('passes at exactly the pass mark and fails just below it', () => {
      const sixty: RizhaoPilotIndicators = { standardsByLevel: { international: 2 }, ipManagementCertified: true, standardisationGoodBehaviour: true, highValuePatentCentre: true, integratedIpStandardsFunction: true };
      expect(evaluateIndex(RIZHAO_V1, sixty)).toMatchObject({ score: 60, outcome: 'pass' });
      expect(evaluateIndex(RIZHAO_V1, { ...sixty, standardsByLevel: { international: 1, national: 1, enterprise: 0 } })).toMatchObject({ score: 58, outcome: 'fail' });
    });

    it('scores a missing or malformed value as zero and says so', () => {
      const result = evaluateIndex(RIZHAO_V1, { leaderStandards: -1, standardsByLevel: { national: 'two' as never } });
      expect(result.score).toBe(0);
      expect(result.outcome).toBe('fail');
      expect(result.indicators.every((i) => i.outcome === 'no-evidence' && i.points === 0)).toBe(true);
      expect(result.indicators[1].explanation).toEqual({ zh: '首创标准或“领跑者”标准：未提供有效数据，0 分', en: 'First-of-kind or "leader" standards: no valid value, 0 points' });
    });

    it('explains the arithmetic', () => {
      const result = evaluateIndex(RIZHAO_V1, { standardsByLevel: { international: 1, national: 1 }, leaderStandards: 1 });
      expect(result.indicators[0].explanation.zh).toBe('主导或参与制修订的标准（按级别计分）：min(国际 1 × 10 + 国家 1 × 8, 20) = 18.00 分');
      expect(result.indicators[1].explanation.en).toBe('First-of-kind or "leader" standards: 10 × min(1, 2) / 2 = 5.00 points');
      expect(result.explanation).toEqual({ zh: '总分 23.00 < 合格线 60：评估不合格', en: 'total 23.00 < pass mark 60: not passed' });
    });

    it('is adjusted by publishing a new version as data (动态调整)', () => {
      const v2 = copyOf(RIZHAO_V1);
      v2.version = 2;
      v2.index.passMark = 50;
      v2.index.indicators[1].scoring.cap = 1;
      const unit: RizhaoPilotIndicators = { standardsByLevel: { international: 2 }, leaderStandards: 1, ipManagementCertified: true, highValuePatentCentre: true };
      expect(evaluateIndex(RIZHAO_V1, unit)).toMatchObject({ score: 45, outcome: 'fail' });
      expect(evaluateIndex(validateRuleSet(v2), unit)).toMatchObject({ score: 50, outcome: 'pass', ruleSet: { version: 2 } });
    });

    it('keeps decimal weights, points and pass marks exact in hundredths, and refuses a third decimal', () => {
      const v2 = copyOf(RIZHAO_V1);
      v2.version = 2;
      // 0.7 + 0.1 + 0.2 is 0.9999999999999999 in binary floating point; in hundredths it is 100
      v2.index.indicators = v2.index.indicators.slice(3, 6).map((indicator: { scoring: object }, i: number) => ({ ...indicator, scoring: { kind: 'boolean', weight: [0.7, 0.1, 0.2][i] } }));
      v2.index.passMark = 1;
      const exact = validateRuleSet(v2);
      const all = { ipManagementCertified: true, standardisationGoodBehaviour: true, highValuePatentCentre: true };
      expect(evaluateIndex(exact, all)).toMatchObject({ score: 1, maxScore: 1, outcome: 'pass' });
      expect(evaluateIndex(exact, { ...all, highValuePatentCentre: false })).toMatchObject({ score: 0.8, outcome: 'fail' });

      const perLevel = copyOf(RIZHAO_V1);
      perLevel.index.indicators[0].scoring.points.national = 8.15;
      expect(evaluateIndex(validateRuleSet(perLevel), { standardsByLevel: { national: 2 } }).indicators[0].points).toBe(16.3);

      for (const [field, patch] of [
        ['index.passMark', (r: typeof v2) => (r.index.passMark = 60.005)],
        ['index.indicators[0].scoring.weight', (r: typeof v2) => (r.index.indicators[0].scoring.weight = 20.125)],
        ['index.indicators[0].scoring.points.national', (r: typeof v2) => (r.index.indicators[0].scoring.points.national = 8.001)],
      ] as const) {
        const bad = copyOf(RIZHAO_V1);
        patch(bad);
        expect(() => validateRuleSet(bad)).toThrow(expect.objectContaining({ problems: expect.arrayContaining([expect.objectContaining({ path: field, text: expect.objectContaining({ en: 'must have at most 2 decimals' }) })]) }));
      }
    });

    it('refuses a rule set without an index', () => {
      expect(() => evaluateIndex(SUZHOU_V1, full)).toThrow(DomainError);
      expect(() => evaluateIndex(SUZHOU_V1, full)).toThrow(expect.objectContaining({ code: 'RULE_SET_HAS_NO_INDEX' }));
    });
  });

  describe('the city targets for 2025 (二(二)–(四))', () => {
    it('carries each figure of the plan with its clause', () => {
      expect(RIZHAO_V1.cityTargets?.map((t) => [t.id, t.value, t.unit, t.comparison, t.citation.split(' ')[1]])).toEqual([
        ['RZ-C1', 200, 'count', 'at-least', '二(二)'],
        ['RZ-C2', 10, 'count', 'at-least', '二(二)'],
        ['RZ-C3', 60, 'percent', 'at-least', '二(二)'],
        ['RZ-C4', 50, 'count', 'target', '二(三)'],
        ['RZ-C5', 5, 'count', 'target', '二(三)'],
        ['RZ-C6', 60, 'count', 'at-least', '二(三)'],
        ['RZ-C7', 120, 'count', 'at-least', '二(三)'],
        ['RZ-C8', 60, 'count', 'at-least', '二(三)'],
        ['RZ-C9', 10, 'per-10k-people', 'at-least', '二(三)'],
        ['RZ-C10', 1500, 'count', 'at-least', '二(四)'],
        ['RZ-C11', 2, 'per-year', 'at-least', '二(四)'],
      ]);
    });
  });
});
