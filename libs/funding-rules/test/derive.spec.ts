import { BUILT_IN_RULE_SETS, RuleSetInvalidError, deriveRuleSet, isEffectiveOn } from '../src';

const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof RuleSetInvalidError) return error.problems.map((p) => p.path);
    throw error;
  }
  throw new Error('expected RULE_SET_INVALID');
};

describe('deriveRuleSet', () => {
  const v1 = BUILT_IN_RULE_SETS.find((r) => r.id === 'suzhou-2024-ipstd' && r.version === 1)!;

  it('copies the base version, changing only the dates, title and the named parameters', () => {
    const v2 = deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 1, effective: { from: '2025-01-01', to: '2025-12-31' }, params: { 'SZ24-E2': { minValidPatents: 40 } } });
    expect(v2.version).toBe(2);
    expect(v2.effective).toEqual({ from: '2025-01-01', to: '2025-12-31' });
    expect(isEffectiveOn(v2, '2025-06-01')).toBe(true);
    expect(isEffectiveOn(v1, '2025-06-01')).toBe(false);
    const e2 = (r: typeof v1) => r.clauses.find((c) => c.id === 'SZ24-E2')!.params;
    expect(e2(v2)).toEqual({ ...e2(v1), minValidPatents: 40 });
    expect(v2.clauses.filter((c) => c.id !== 'SZ24-E2')).toEqual(v1.clauses.filter((c) => c.id !== 'SZ24-E2'));
    expect({ ...v2, version: 1, effective: v1.effective, clauses: v1.clauses }).toEqual(v1);
  });

  it('numbers the new version above the latest, whatever it derives from', () => {
    const v2 = deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 1 });
    const v3 = deriveRuleSet([...BUILT_IN_RULE_SETS, v2], 'suzhou-2024-ipstd', { from: 1, passMark: undefined });
    expect(v3.version).toBe(3);
  });

  it('validates the result like a whole publication', () => {
    expect(problemsOf(() => deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 1, params: { 'NO-SUCH': {} } }))).toEqual(['params.NO-SUCH']);
    expect(problemsOf(() => deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 1, params: { 'SZ24-E2': 5 } }))).toEqual(['params.SZ24-E2']);
    expect(problemsOf(() => deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 7 }))).toEqual(['from']);
    expect(problemsOf(() => deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 1, passMark: 50 }))).toEqual(['passMark']);
    expect(problemsOf(() => deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 1, params: { 'SZ24-E2': { minValidPatents: 'many' } } })).length).toBeGreaterThan(0);
    expect(problemsOf(() => deriveRuleSet(BUILT_IN_RULE_SETS, 'suzhou-2024-ipstd', { from: 1, effective: { from: '2025-12-31', to: '2025-01-01' } })).length).toBeGreaterThan(0);
  });

  it('changes the pass mark of an evaluation index', () => {
    const v2 = deriveRuleSet(BUILT_IN_RULE_SETS, 'rizhao-pilot', { from: 1, passMark: 70, effective: { from: '2026-01-01', to: null } });
    expect(v2.index?.passMark).toBe(70);
    expect(v2.effective.to).toBeNull();
  });
});
