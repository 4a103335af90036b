import { isValidCreditCode, registrationDivision } from '../credit-code';
import { BREACH_OUTCOMES, RegisteredInRegionParams } from '../types';
import { bilingual, bool, Check, oneOf, pattern, shape } from '../checks';
import { EligibilityContext, Part, part, Verdict, verdict } from './verdict';

export const registeredInRegionParams: Check = shape({
  divisionPrefix: pattern(/^[1-8][0-9]{1,5}$/, '2 到 6 位行政区划代码前缀', 'a GB/T 2260 division prefix of 2 to 6 digits'),
  region: bilingual,
  requireIndependentLegalPerson: bool,
  outsideRegion: oneOf(BREACH_OUTCOMES),
});

/**
 * 申报主体: 行政区域内注册的具有独立法人资格的企业 (004_39c6efd61937e065.txt 二). The region is read
 * from the registering authority's division in the credit code, which can differ from where the
 * enterprise operates (a provincial registration), hence a configurable breach outcome.
 */
export function evaluateRegisteredInRegion(params: RegisteredInRegionParams, { profile }: EligibilityContext): Verdict {
  const { creditCode, independentLegalPerson } = profile.enterprise;
  const valid = isValidCreditCode(creditCode);
  const division = valid ? registrationDivision(creditCode) : null;
  const { divisionPrefix: prefix, region } = params;
  const parts: Part[] = [
    division === null
      ? {
          ok: false,
          breach: 'fail',
          text: {
            zh: '统一社会信用代码不符合 GB 32100-2015，无法确定登记地',
            en: 'the unified social credit code does not conform to GB 32100-2015, so the place of registration is unknown',
          },
        }
      : part(
          division.startsWith(prefix),
          params.outsideRegion,
          { zh: `登记机关行政区划 ${division} 属于${region.zh}（${prefix}）`, en: `registering authority's division ${division} is in ${region.en} (${prefix})` },
          { zh: `登记机关行政区划 ${division} 不属于${region.zh}（${prefix}）`, en: `registering authority's division ${division} is not in ${region.en} (${prefix})` },
        ),
  ];
  if (params.requireIndependentLegalPerson) {
    parts.push(
      part(independentLegalPerson === true, 'fail', { zh: '具有独立法人资格', en: 'an independent legal person' }, { zh: '不具有独立法人资格', en: 'not an independent legal person' }),
    );
  }
  return verdict(parts, { creditCodeValid: valid, division, divisionPrefix: prefix, independentLegalPerson });
}
