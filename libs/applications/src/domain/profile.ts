import { EligibilityProfile } from '@ipstd/funding-rules';

export { STANDARD_LEVELS, STANDARD_ROLES, type StandardLevel, type StandardRole } from '@ipstd/funding-rules';

/**
 * The enterprise profile and declared indicators of an application: what the Suzhou 2024 rules
 * (004_39c6efd61937e065.txt 三(一)–(五) and the priority list) need to assess it, plus who the
 * enterprise is and the project it proposes.
 */
export interface ApplicationProfile extends EligibilityProfile {
  readonly enterprise: EligibilityProfile['enterprise'] & {
    readonly name: string;
    readonly district: string;
    readonly contact: { readonly name: string; readonly phone: string };
  };
  readonly project: { readonly title: string; readonly summary: string; readonly requestedAmountFen: number };
}
