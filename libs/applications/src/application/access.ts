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

/** Where an application sits and whose it is: what authorisation policies look at. */
export interface ApplicationScope {
  readonly district: string;
  readonly city: string;
  readonly creditCode: string;
}

/** Whether the caller may see an application at all, judged from where it sits (experts: see canReadApplication). */
export function seesApplication(principal: Principal, scope: ApplicationScope): boolean {
  return principal.role === 'applicant' ? principal.org !== null && principal.org === scope.creditCode : scopeCoversDistrict(principal, scope.district);
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

/** Policy factory: an expert acts only as themself (the route's expert id); panel membership is the decider's check. */
export function expertAsThemself(expertId: string) {
  return (principal: Principal): void => {
    if (principal.sub !== expertId) throw scopeForbidden('专家只能以本人身份评分', 'An expert may act only as themself');
  };
}
