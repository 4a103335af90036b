/**
 * The enterprise profile and declared indicators of an application: what the Suzhou 2024 rules
 * (004_39c6efd61937e065.txt 三(一)–(五) and the priority list) need to assess it.
 */
export type StandardLevel = 'international' | 'national' | 'industry' | 'local' | 'group' | 'enterprise';
export const STANDARD_LEVELS: readonly StandardLevel[] = ['international', 'national', 'industry', 'local', 'group', 'enterprise'];
export type StandardRole = 'lead' | 'participant';
export const STANDARD_ROLES: readonly StandardRole[] = ['lead', 'participant'];

export interface ApplicationProfile {
  readonly enterprise: {
    readonly creditCode: string;
    readonly name: string;
    readonly district: string;
    readonly independentLegalPerson: boolean;
    readonly contact: { readonly name: string; readonly phone: string };
  };
  readonly finance: {
    readonly assetsHealthy: boolean;
    readonly years: ReadonlyArray<{ readonly year: number; readonly revenueFen: number; readonly netProfitFen: number }>;
  };
  readonly ip: {
    readonly managementSystem: boolean;
    readonly department: boolean;
    readonly staff: number;
    readonly validPatents: number;
    readonly validInventionPatents: number;
    readonly pctNationalPhaseApplications: number;
  };
  readonly standards: {
    readonly systemCoveragePercent: number;
    readonly department: boolean;
    readonly staff: number;
    readonly participations: ReadonlyArray<{ readonly code: string; readonly level: StandardLevel; readonly role: StandardRole; readonly publishedOn: string }>;
  };
  readonly quality: { readonly qmsCertified: boolean; readonly registeredTrademarks: number };
  readonly credit: { readonly seriousDishonesty: boolean; readonly abnormalPatentApplications: boolean };
  readonly awards: readonly string[];
  readonly project: { readonly title: string; readonly summary: string; readonly requestedAmountFen: number };
}
