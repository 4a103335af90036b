/**
 * What the eligibility rules read from an application. Structurally a subset of the applications
 * context's `ApplicationProfile`, declared here so that this library depends on nothing but the
 * kernel and the applications context can depend on it.
 */
export type StandardLevel = 'international' | 'national' | 'industry' | 'local' | 'group' | 'enterprise';
export const STANDARD_LEVELS: readonly StandardLevel[] = ['international', 'national', 'industry', 'local', 'group', 'enterprise'];
export type StandardRole = 'lead' | 'participant';
export const STANDARD_ROLES: readonly StandardRole[] = ['lead', 'participant'];

export interface StandardParticipation {
  readonly code: string;
  readonly level: StandardLevel;
  readonly role: StandardRole;
  /** Publication date (YYYY-MM-DD) of the standard the enterprise led or took part in drafting. */
  readonly publishedOn: string;
}

export interface EligibilityProfile {
  readonly enterprise: { readonly creditCode: string; readonly independentLegalPerson: boolean };
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
    /** Coverage of the enterprise standard system in percent; decimals allowed (79.9). */
    readonly systemCoveragePercent: number;
    readonly department: boolean;
    readonly staff: number;
    readonly participations: readonly StandardParticipation[];
  };
  readonly quality: { readonly qmsCertified: boolean; readonly registeredTrademarks: number };
  readonly credit: CreditFacts;
  readonly awards: readonly string[];
}

/**
 * 严重失信行为 / 非正常专利申请行为 (004_39c6efd61937e065.txt 三(五)): declared in the profile,
 * and pushed by other systems (credit platform, CNIPA notices), which take precedence.
 */
export interface CreditFacts {
  readonly seriousDishonesty: boolean;
  readonly abnormalPatentApplications: boolean;
}
