import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import { checkIndexInputs } from '../src/application/decide-grant/index-inputs';

const RIZHAO = BUILT_IN_RULE_SETS.find((r) => r.id === 'rizhao-pilot' && r.version === 1)!;

describe('evaluation index inputs at the edge', () => {
  it('takes booleans and whole counts, per level too', () => {
    const inputs = { peopleTrained: 20, ipManagementCertified: true, standardsByLevel: { national: 2, group: 0 } };
    expect(checkIndexInputs(RIZHAO, inputs)).toBe(inputs);
  });

  it.each([
    [{ peopleTrained: 2.5 }, 'peopleTrained: a boolean or a whole non-negative count'],
    [{ peopleTrained: -1 }, 'peopleTrained: a boolean or a whole non-negative count'],
    [{ peopleTrained: '3' }, 'peopleTrained: a boolean or a whole non-negative count'],
    [{ standardsByLevel: { national: 0.5 } }, 'standardsByLevel.national: a standard level with a whole non-negative count'],
  ])('refuses %p: counts are whole numbers', (inputs, problem) => {
    expect(() => checkIndexInputs(RIZHAO, inputs)).toThrow(expect.objectContaining({ code: 'INDEX_INPUTS_INVALID', details: { problems: [problem] } }));
  });
});
