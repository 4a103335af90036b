import { BUILT_IN_RULE_SETS, checkNewVersion, findRuleSet, isEffectiveOn, latestRuleSet, RuleSetInvalidError, validateRuleSet } from '../src';
import { assess, clause, copyOf, profile, SUZHOU_V1 } from './support';

/** Publishing Suzhou v2 as data: the given change to a copy of v1. */
function suzhouV2(change: (r: any) => void) {
  const v2 = copyOf(SUZHOU_V1);
  v2.version = 2;
  change(v2);
  return checkNewVersion(BUILT_IN_RULE_SETS, v2);
}

describe('rule-set registry', () => {
  it('finds a built-in version by id and version', () => {
    expect(findRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', 1)?.title.en).toBe('Suzhou 2024 IP-and-standards integration programme');
    expect(findRuleSet(BUILT_IN_RULE_SETS, 'rizhao-pilot', 1)?.source).toBe('002_2717c857cd88b5c5.txt');
    expect(findRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', 2)).toBeUndefined();
    expect(latestRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd')?.version).toBe(1);
  });

  it('keeps built-in versions immutable', () => {
    expect(Object.isFrozen(BUILT_IN_RULE_SETS)).toBe(true);
    expect(() => {
      (SUZHOU_V1 as { version: number }).version = 7;
    }).toThrow(TypeError);
  });

  describe('a changed threshold is a new data version, not a code change', () => {
    const applicant = profile();

    it.each<[string, (r: any) => void, string, string]>([
      ['70 valid patents required', (r) => (r.clauses[2].params.minValidPatents = 70), 'SZ24-E2', 'fail'],
      ['PCT at 1:2 still reaches 20 (18 + 1 × 2)', (r) => (r.clauses[2].params.pctRatio = 2), 'SZ24-E2', 'pass'],
      ['PCT at 1:1 no longer does (18 + 1 × 1)', (r) => (r.clauses[2].params.pctRatio = 1), 'SZ24-E2', 'fail'],
      ['90 % coverage required', (r) => (r.clauses[3].params.minCoveragePercent = 90), 'SZ24-E3', 'fail'],
      ['a 3-year window drops the 2021 standard', (r) => (r.clauses[3].params.windowYears = 3), 'SZ24-E3', 'fail'],
      ['3 standards required', (r) => (r.clauses[3].params.minStandards = 3), 'SZ24-E3', 'fail'],
      ['a 4-year look-back, with no 2020 figures declared', (r) => (r.clauses[1].params.years = 4), 'SZ24-E1', 'finding'],
      ['6 trademarks required (the applicant has 5)', (r) => (r.clauses[4].params.minTrademarks = 6), 'SZ24-E4', 'fail'],
    ])('%s', (_, change, id, outcome) => {
      const v2 = suzhouV2(change);
      expect(clause(assess(applicant, {}, SUZHOU_V1), id).outcome).toBe('pass');
      expect(clause(assess(applicant, {}, v2), id).outcome).toBe(outcome);
      expect(assess(applicant, {}, v2).ruleSet).toEqual({ id: 'suzhou-2024-ipstd', version: 2 });
    });

    it('counts group standards for E3 when a version lists the level', () => {
      const v2 = suzhouV2((r) => r.clauses[3].params.levels.push('group'));
      const withGroup = profile({ standards: { participations: [{ code: 'GB/T 40000-2021', level: 'national', role: 'lead', publishedOn: '2021-06-01' }, { code: 'T/SZ 1-2023', level: 'group', role: 'lead', publishedOn: '2023-01-01' }] } });
      expect(clause(assess(withGroup, {}, SUZHOU_V1), 'SZ24-E3').outcome).toBe('fail');
      expect(clause(assess(withGroup, {}, v2), 'SZ24-E3').outcome).toBe('pass');
    });

    it('changes a priority list by data', () => {
      const v2 = suzhouV2((r) => r.clauses[6].params.items.push({ id: 'suzhou-quality-award', title: { zh: '苏州市市长质量奖', en: "Suzhou Mayor's Quality Award" } }));
      const holder = profile({ awards: ['suzhou-quality-award'] });
      expect(assess(holder, {}, SUZHOU_V1).priority[0].items).toEqual([]);
      expect(assess(holder, {}, v2).priority[0].items).toEqual(['suzhou-quality-award']);
    });

    it('leaves a decision under the pinned version unchanged', () => {
      const before = assess(applicant, {}, SUZHOU_V1);
      suzhouV2((r) => (r.clauses[2].params.minValidPatents = 70));
      expect(assess(applicant, {}, findRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', 1)!)).toEqual(before);
    });
  });

  describe('publishing a version', () => {
    it('keeps a rule set in its city: a new version cannot move it', () => {
      const moved = { ...copyOf(SUZHOU_V1), version: 2, city: '371100' };
      try {
        checkNewVersion(BUILT_IN_RULE_SETS, moved);
        throw new Error('expected a refusal');
      } catch (error) {
        expect(error).toBeInstanceOf(RuleSetInvalidError);
        expect((error as RuleSetInvalidError).problems.map((p) => p.path)).toEqual(['city']);
      }
      expect(checkNewVersion(BUILT_IN_RULE_SETS, { ...copyOf(SUZHOU_V1), version: 2 }).city).toBe('320500');
    });

    it.each([
      ['republishing version 1', 1, ['version']],
      ['skipping to version 3', 3, ['version']],
    ])('refuses %s', (_, version, paths) => {
      const copy = copyOf(SUZHOU_V1);
      copy.version = version;
      expect(() => checkNewVersion(BUILT_IN_RULE_SETS, copy)).toThrow(RuleSetInvalidError);
      try {
        checkNewVersion(BUILT_IN_RULE_SETS, copy);
      } catch (error) {
        expect((error as RuleSetInvalidError).problems.map((p) => p.path)).toEqual(paths);
        expect((error as RuleSetInvalidError).problems[0].text.en).toBe('the next version of rule set suzhou-2024-ipstd must be 2; published versions never change');
      }
    });

    it('starts a new id at version 1', () => {
      const copy = copyOf(SUZHOU_V1);
      copy.id = 'suzhou-2025-ipstd';
      expect(checkNewVersion(BUILT_IN_RULE_SETS, copy).id).toBe('suzhou-2025-ipstd');
    });

    it('validates the data before numbering it', () => {
      const copy = copyOf(SUZHOU_V1);
      copy.version = 2;
      copy.clauses[2].kind = 'patents';
      expect(() => checkNewVersion(BUILT_IN_RULE_SETS, copy)).toThrow(expect.objectContaining({ code: 'RULE_SET_INVALID' }));
    });
  });

  it.each([
    ['2023-12-31', false],
    ['2024-01-01', true],
    ['2024-10-08', true],
    ['2024-12-31', true],
    ['2025-01-01', false],
  ])('Suzhou 2024 v1 may be pinned by a call opened on %s: %s', (date, expected) => {
    expect(isEffectiveOn(SUZHOU_V1, date)).toBe(expected);
  });

  it('accepts an open-ended version', () => {
    const copy = copyOf(SUZHOU_V1);
    copy.effective.to = null;
    expect(isEffectiveOn(validateRuleSet(copy), '2030-01-01')).toBe(true);
  });
});
