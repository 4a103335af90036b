import { HttpStatus } from '@nestjs/common';
import { DomainError } from '@ipstd/kernel';
import { Principal, ProblemException, hiddenRecord, scopeCoversCity, scopeCoversDistrict } from '@ipstd/platform';
import { GrantState } from '../domain';
import { grantCity } from './grant-streams';

type Awarded = Exclude<GrantState, { status: 'none' }>;

const forbidden = () => new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '该项目不在您的权限范围内', en: 'This grant is outside your scope' });
/** A grant the caller may not see is answered like one that does not exist (no existence oracle). */
const hidden = () => hiddenRecord('GRANT_NOT_FOUND', '项目资助不存在', 'No such grant');

/** Owner, the district office of the grant's district, and the bureau, finance bureau and auditors whose city covers it (exact GB/T 2260). */
export function canReadGrant(principal: Principal, grant: Awarded): boolean {
  switch (principal.role) {
    case 'applicant':
      return principal.org !== null && principal.org === grant.enterprise.creditCode;
    case 'district-office':
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
    if (!scopeCoversCity(principal, grantCity(grant))) throw canReadGrant(principal, grant) ? forbidden() : hidden();
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

/**
 * The named policies of grant commands, as data: `city-bureau` (the programme admin or the finance
 * bureau of the grant's city), `owner` (the enterprise itself), `treasury-city` (a treasury message
 * from the grant's city).
 */
export type GrantAuthorisation =
  | { readonly policy: 'city-bureau'; readonly principal: Principal }
  | { readonly policy: 'owner'; readonly principal: Principal }
  | { readonly policy: 'treasury-city'; readonly city: string };

export function authoriseGrant(authorisation: GrantAuthorisation, grant: Awarded): void {
  switch (authorisation.policy) {
    case 'city-bureau':
      return requireGrantCity(authorisation.principal)(grant);
    case 'owner':
      return requireGrantOwner(authorisation.principal)(grant);
    case 'treasury-city':
      if (grantCity(grant) !== authorisation.city) {
        throw new DomainError('GRANT_OUTSIDE_TREASURY_CITY', 'forbidden', { zh: '该项目不属于付款国库所在城市', en: "The grant does not belong to the paying treasury's city" }, { city: authorisation.city });
      }
      return;
  }
}
