import { DomainError } from '@ipstd/kernel';
import { BUILT_IN_RULE_SETS, RuleSetInvalidError, RuleSetProblem, validateRuleSet } from '../src';
import { copyOf, RIZHAO_V1, SUZHOU_V1 } from './support';

function problemsOf(input: unknown): RuleSetProblem[] {
  try {
    validateRuleSet(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RuleSetInvalidError);
    return [...(error as RuleSetInvalidError).problems];
  }
  throw new Error('expected the rule set to be refused');
}

const paths = (input: unknown) => problemsOf(input).map((p) => p.path);

describe('validateRuleSet', () => {
  describe('the built-in rule sets', () => {
    it.each(BUILT_IN_RULE_SETS.map((r) => [`${r.id} v${r.version}`, r]))('%s is valid', (_, ruleSet) => {
      expect(validateRuleSet(copyOf(ruleSet))).toEqual(ruleSet);
    });

    it('returns a frozen copy, so a published version cannot be edited in place', () => {
      const input = copyOf(SUZHOU_V1);
      const validated = validateRuleSet(input);
      expect(validated).not.toBe(input);
      expect(Object.isFrozen(validated)).toBe(true);
      expect(Object.isFrozen(validated.clauses[2].params)).toBe(true);
      expect(() => {
        (validated.clauses[2].params as { minValidPatents: number }).minValidPatents = 1;
      }).toThrow(TypeError);
    });
  });

  describe('a rule set with several problems', () => {
    const broken = copyOf(SUZHOU_V1);
    broken.clauses[0].kind = 'registered-somewhere';
    delete broken.clauses[2].params.minValidPatents;
    broken.clauses[3].id = 'SZ24-E1';

    it('lists every problem in one error, each with its field path', () => {
      expect(paths(broken)).toEqual(['clauses[0].kind', 'clauses[2].params.minValidPatents', 'clauses[3].id']);
    });

    it('explains each problem in Chinese and English', () => {
      const [kind, missing, duplicate] = problemsOf(broken);
      expect(kind.text.en).toContain('must be one of: registered-in-region, growth-or-profit');
      expect(missing.text).toEqual({ zh: '缺少必填项', en: 'is required' });
      expect(duplicate.text).toEqual({ zh: '与 clauses[1].id 重复：SZ24-E1', en: 'duplicates clauses[1].id: SZ24-E1' });
    });

    it('is a domain error with a stable code, mapped to 422 at the edge', () => {
      let thrown: unknown;
      try {
        validateRuleSet(broken);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect(thrown).toMatchObject({ code: 'RULE_SET_INVALID', kind: 'rule', details: { problems: expect.any(Array) } });
      expect((thrown as DomainError).text.zh).toContain('clauses[2].params.minValidPatents 缺少必填项');
    });
  });

  describe('each kind of problem', () => {
    const edit = (base: typeof SUZHOU_V1, change: (r: any) => void) => {
      const copy = copyOf(base);
      change(copy);
      return copy;
    };

    it.each<[string, (r: any) => void, string[]]>([
      ['an unknown top-level field', (r) => (r.owner = 'x'), ['owner']],
      ['a field named like an Object method', (r) => (r.clauses[0].params.toString = 'x'), ['clauses[0].params.toString']],
      ['a version of 0', (r) => (r.version = 0), ['version']],
      ['an id that is not kebab-case', (r) => (r.id = 'Suzhou 2024'), ['id']],
      ['a title without English', (r) => delete r.title.en, ['title.en']],
      ['an effective end before its start', (r) => (r.effective.to = '2023-12-31'), ['effective.to']],
      ['an impossible date', (r) => (r.effective.from = '2024-02-30'), ['effective.from']],
      ['no clauses', (r) => (r.clauses = []), ['clauses']],
      ['a clause without params', (r) => delete r.clauses[1].params, ['clauses[1].params']],
      ['an unknown param', (r) => (r.clauses[1].params.minYears = 3), ['clauses[1].params.minYears']],
      ['a PCT ratio of 0', (r) => (r.clauses[2].params.pctRatio = 0), ['clauses[2].params.pctRatio']],
      ['a fractional patent threshold', (r) => (r.clauses[2].params.minValidPatents = 49.5), ['clauses[2].params.minValidPatents']],
      ['coverage over 100 %', (r) => (r.clauses[3].params.minCoveragePercent = 101), ['clauses[3].params.minCoveragePercent']],
      ['an unknown standard level', (r) => (r.clauses[3].params.levels = ['national', 'regional']), ['clauses[3].params.levels[1]']],
      ['a repeated level', (r) => (r.clauses[3].params.levels = ['national', 'national']), ['clauses[3].params.levels[1]']],
      ['an unknown breach outcome', (r) => (r.clauses[5].params.breachOutcome = 'warn'), ['clauses[5].params.breachOutcome']],
      ['a duplicated priority item', (r) => r.clauses[6].params.items.push({ id: 'china-patent-award', title: { zh: '重复', en: 'again' } }), ['clauses[6].params.items[12].id']],
      ['a target id that repeats a clause id', (r) => (r.targets[0].id = 'SZ24-E0'), ['targets[0].id']],
      ['a target requirement on an unknown field', (r) => (r.targets[1].requirements[0].field = 'patentsSold'), ['targets[1].requirements[0].field']],
      ['a count check on a flag field', (r) => (r.targets[1].requirements[0].field = 'patentPool'), ['targets[1].requirements[0].field']],
      ['a target without a stage', (r) => (r.targets[7].stages = []), ['targets[7].stages']],
      ['a target check without its threshold', (r) => delete r.targets[3].requirements[0].minExperts, ['targets[3].requirements[0].minExperts']],
    ])('%s', (_, change, expected) => {
      expect(paths(edit(SUZHOU_V1, change))).toEqual(expected);
    });

    it.each<[string, (r: any) => void, string[]]>([
      ['a pass mark above the maximum score', (r) => (r.index.passMark = 101), ['index.passMark']],
      ['an unknown scoring kind', (r) => (r.index.indicators[0].scoring.kind = 'log'), ['index.indicators[0].scoring.kind']],
      ['a linear scoring without a cap', (r) => delete r.index.indicators[1].scoring.cap, ['index.indicators[1].scoring.cap']],
      ['points for an unknown level', (r) => (r.index.indicators[0].scoring.points.regional = 1), ['index.indicators[0].scoring.points.regional']],
      ['two indicators reading one input', (r) => (r.index.indicators[2].input = 'leaderStandards'), ['index.indicators[2].input']],
      ['a zero weight', (r) => (r.index.indicators[3].scoring.weight = 0), ['index.indicators[3].scoring.weight']],
      ['a city target with an unknown unit', (r) => (r.cityTargets[0].unit = 'items'), ['cityTargets[0].unit']],
      ['a city target id that repeats an indicator id', (r) => (r.cityTargets[0].id = 'RZ-I1'), ['cityTargets[0].id']],
    ])('%s', (_, change, expected) => {
      expect(paths(edit(RIZHAO_V1, change))).toEqual(expected);
    });

    it.each([
      ['null', null],
      ['an array', []],
      ['a string', 'suzhou-2024-ipstd'],
    ])('refuses %s as a whole', (_, input) => {
      expect(paths(input)).toEqual(['']);
    });

    it('refuses a __proto__ key in posted JSON', () => {
      const posted = JSON.parse(JSON.stringify(SUZHOU_V1).replace('"divisionPrefix"', '"__proto__":{"polluted":true},"divisionPrefix"'));
      expect(paths(posted)).toEqual(['clauses[0].params.__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('lists every missing field of an empty object', () => {
      expect(paths({})).toEqual(['id', 'version', 'title', 'city', 'source', 'effective', 'clauses']);
    });
  });
});
