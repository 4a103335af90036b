import { HttpStatus } from '@nestjs/common';
import { Principal, ProblemException, hiddenRecord, scopeCoversCity, scopeCoversDistrict } from '@ipstd/platform';
import { cityOf } from '@ipstd/applications';
import { GrantState } from '../domain';

type Awarded = Exclude<GrantState, { status: 'none' }>;

const forbidden = () => new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '该项目不在您的权限范围内', en: 'This grant is outside your scope' });
/** A grant the caller may not see is answered like one that does not exist (no existence oracle). */
const hidden = () => hiddenRecord('GRANT_NOT_FOUND', '项目资助不存在', 'No such grant');

/** Owner, and the bureau, finance bureau and auditors whose city covers the grant's district (exact GB/T 2260). */
export function canReadGrant(principal: Principal, grant: Awarded): boolean {
  switch (principal.role) {
    case 'applicant':
      return principal.org !== null && principal.org === grant.enterprise.creditCode;
    case 'programme-admin':
    case 'finance':
    case 'auditor':
      return scopeCoversDistrict(principal, grant.enterprise.district);
    default:
      return false;
  }
}

/** Writes by the bureau or the finance bureau: the grant's city exactly (403 if they can see it, else 404). */
export function requireGrantCity(principal: Principal) {
  return (grant: Awarded) => {
    if (!scopeCoversCity(principal, cityOf(grant.enterprise.district))) throw canReadGrant(principal, grant) ? forbidden() : hidden();
  };
}

/** Writes by the enterprise itself. */
export function requireGrantOwner(principal: Principal) {
  return (grant: Awarded) => {
    if (principal.org === null || principal.org !== grant.enterprise.creditCode) throw canReadGrant(principal, grant) ? forbidden() : hidden();
  };
}

export function requireReadable(principal: Principal, grant: Awarded): void {
  if (!canReadGrant(principal, grant)) throw hidden();
}
