import { HttpStatus } from '@nestjs/common';
import { DomainError } from '@ipstd/kernel';
import { Principal, ProblemException, hiddenRecord, scopeCoversCity, scopeCoversDistrict } from '@ipstd/platform';
import { ApplicationProfile, ApplicationState } from '../domain';

export function scopeForbidden(zh: string, en: string): ProblemException {
  return new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh, en });
}

/** The answer for an application the caller may not see: the same 404 as for one that does not exist. */
export function applicationHidden(): DomainError {
  return hiddenRecord('APPLICATION_NOT_FOUND', '申报不存在', 'No such application');
}

/** City-wide acts (opening a call, the defense round): a token for exactly that city. */
export function requireCity(principal: Principal, city: string): void {
  if (!scopeCoversCity(principal, city)) {
    throw scopeForbidden(`无权操作城市 ${city} 的数据`, `Your token's scope does not cover city ${city}`);
  }
}

/** An applicant submits only for the enterprise its token names (the profile is the caller's own input: 403). */
export function requireEnterprise(principal: Principal, creditCode: string): void {
  if (principal.role !== 'applicant' || principal.org !== creditCode) {
    throw scopeForbidden('只能以本企业名义操作本企业的申报', 'An applicant may act only for its own enterprise');
  }
}

/** Where an application sits, whose it is and who reviews it: what authorisation policies look at. */
export interface ApplicationScope {
  readonly district: string;
  readonly city: string;
  readonly creditCode: string;
  /** Every expert ever assigned to its current review panel, those who stood down included. */
  readonly panel: readonly string[];
  /** Experts of the panel who declared a conflict and stood down. */
  readonly conflicted: readonly string[];
}

/** Whether the caller may see an application at all (the same rule as canReadApplication). */
export function seesApplication(principal: Principal, scope: ApplicationScope): boolean {
  switch (principal.role) {
    case 'applicant':
      return principal.org !== null && principal.org === scope.creditCode;
    case 'expert':
      return scope.panel.includes(principal.sub) && !scope.conflicted.includes(principal.sub);
    default:
      return scopeCoversDistrict(principal, scope.district);
  }
}

/**
 * A refusal that does not reveal what the caller may not see: 403 when the caller can see the
 * application (it lacks the right to this act), 404 APPLICATION_NOT_FOUND when it cannot.
 */
export function refusal(principal: Principal, scope: ApplicationScope, zh: string, en: string): ProblemException | DomainError {
  return seesApplication(principal, scope) ? scopeForbidden(zh, en) : applicationHidden();
}

/** Amending or withdrawing: the owner only; anyone else is told the application does not exist. */
export function requireOwnApplication(principal: Principal, scope: ApplicationScope): void {
  if (principal.role !== 'applicant' || principal.org !== scope.creditCode) throw refusal(principal, scope, '只能以本企业名义操作本企业的申报', 'An applicant may act only for its own enterprise');
}

/**
 * Who may read an application (docs/api-guide.md, "Roles and scope"): its owner, its district
 * office, the bureau and auditors whose city covers its district (exact GB/T 2260 comparison), and
 * the experts on its panel who have not declared a conflict.
 */
export function canReadApplication(principal: Principal, profile: ApplicationProfile, state?: ApplicationState): boolean {
  switch (principal.role) {
    case 'expert':
      return state !== undefined && state.status !== 'none' && (state.review?.experts.some((e) => e.expertId === principal.sub) ?? false) && !state.review!.conflicted.includes(principal.sub);
    case 'applicant':
      return principal.org !== null && principal.org === profile.enterprise.creditCode;
    case 'district-office':
    case 'programme-admin':
    case 'auditor':
      return scopeCoversDistrict(principal, profile.enterprise.district);
    default:
      return false;
  }
}

/** Policy: the programme admin of the call's city (review panel, review closure, selection). */
export function cityAdminPolicy(principal: Principal, scope: ApplicationScope): void {
  if (!scopeCoversCity(principal, scope.city)) throw refusal(principal, scope, `无权操作城市 ${scope.city} 的数据`, `Your token's scope does not cover city ${scope.city}`);
}

/**
 * Policy: an expert who was never on this application's panel is told it does not exist (404); a
 * member, or one who stood down, gets the decider's answer (EXPERT_NOT_ON_PANEL for one who stood down).
 */
export function panelMemberPolicy(principal: Principal, scope: ApplicationScope): void {
  if (!scope.panel.includes(principal.sub)) throw applicationHidden();
}

/** Policy factory: a panel member acting only as themself (the route's expert id). */
export function expertAsThemself(expertId: string) {
  return (principal: Principal, scope: ApplicationScope): void => {
    panelMemberPolicy(principal, scope);
    if (principal.sub !== expertId) throw scopeForbidden('专家只能以本人身份评分', 'An expert may act only as themself');
  };
}
