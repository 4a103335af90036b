import { HttpStatus } from '@nestjs/common';
import { Principal, ProblemException } from '@ipstd/platform';
import { ApplicationProfile, ApplicationState, cityOf } from '../domain';

export function scopeForbidden(zh: string, en: string): ProblemException {
  return new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh, en });
}

/** City-level roles act only within their own city. */
export function requireCity(principal: Principal, city: string): void {
  if (principal.city !== city) {
    throw scopeForbidden(`无权操作城市 ${city} 的数据`, `Your token's scope does not cover city ${city}`);
  }
}

/** An applicant acts only for the enterprise its token names. */
export function requireEnterprise(principal: Principal, creditCode: string): void {
  if (principal.role !== 'applicant' || principal.org !== creditCode) {
    throw scopeForbidden('只能以本企业名义操作本企业的申报', 'An applicant may act only for its own enterprise');
  }
}

/** Who may read an application (API.md): its owner, its district office, the city's admin and auditors, its assigned experts. */
export function canReadApplication(principal: Principal, profile: ApplicationProfile, state?: ApplicationState): boolean {
  switch (principal.role) {
    case 'expert':
      return state !== undefined && state.status !== 'none' && (state.review?.experts.some((e) => e.expertId === principal.sub) ?? false) && !state.review!.conflicted.includes(principal.sub);
    case 'applicant':
      return principal.org === profile.enterprise.creditCode;
    case 'district-office':
      return principal.district === profile.enterprise.district;
    case 'programme-admin':
    case 'auditor':
      return principal.city === cityOf(profile.enterprise.district);
    default:
      return false;
  }
}

/** Policy: the programme admin of the application's city (review panel, review closure, selection). */
export function cityAdminPolicy(principal: Principal, scope: { readonly city: string }): void {
  requireCity(principal, scope.city);
}

/** Policy factory: an expert acts only as themself (the route's expert id); panel membership is the decider's check. */
export function expertAsThemself(expertId: string) {
  return (principal: Principal): void => {
    if (principal.sub !== expertId) throw scopeForbidden('专家只能以本人身份评分', 'An expert may act only as themself');
  };
}
