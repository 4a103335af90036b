import { HttpStatus } from '@nestjs/common';
import { DomainError } from '@ipstd/kernel';
import { ProblemException } from '../errors/problem';
import { notFound } from '../commands/command-pipeline';
import { Principal } from './principal';
import { DIVISION_CODE, isPrefecture, prefectureOf } from './divisions';

/**
 * The authorisation policy in one place (docs/api-guide.md, "Roles and scope"). Every route declares
 * its roles (@Roles, @AnyRole) or says it is @Public; the guard refuses a route that does neither.
 * Handlers then check scope with the functions below; scopes compare exact GB/T 2260 codes and
 * credit codes, never prefixes.
 */

export { DIVISION_CODE, isPrefecture, prefectureOf } from './divisions';
/** A unified social credit code (GB 32100): 18 characters of its alphabet. */
export const CREDIT_CODE = /^[0-9A-HJ-NP-RTUWXY]{18}$/;

/**
 * Whether the division `scope` covers the division `code`, along the GB/T 2260 hierarchy: a code
 * covers itself, and a prefecture covers the county-level divisions under it. A county-level city
 * (320583) belongs to its prefecture (320500) but covers only itself; nothing is compared by prefix.
 */
export function divisionCovers(scope: string, code: string): boolean {
  if (!DIVISION_CODE.test(scope) || !DIVISION_CODE.test(code)) return false;
  if (scope === code) return true;
  return isPrefecture(scope) && !code.endsWith('00') && prefectureOf(code) === scope;
}

/** The city-level roles: their scope is the `city` claim. */
export const CITY_ROLES = ['programme-admin', 'finance', 'auditor'] as const;

/**
 * Whether the caller's scope covers a record located in `district` (an application, a grant):
 * the district office of exactly that district; the bureau, finance bureau and auditors whose city
 * covers it. Applicants and experts are scoped by enterprise and by panel, not by place.
 */
export function scopeCoversDistrict(principal: Principal, district: string): boolean {
  switch (principal.role) {
    case 'district-office':
      return principal.district !== null && principal.district === district;
    case 'programme-admin':
    case 'finance':
    case 'auditor':
      return principal.city !== null && divisionCovers(principal.city, district);
    default:
      return false;
  }
}

/**
 * Whether the caller's scope covers a record that belongs to a city as a whole (a programme call,
 * its dashboard and ledger, a city's targets, a statement): only a token for exactly that city. A
 * county-level city's token does not see its prefecture's records.
 */
export function scopeCoversCity(principal: Principal, city: string): boolean {
  return principal.city !== null && principal.city === city;
}

/**
 * The log auditor: an auditor token without a city claim. It reads every stream through
 * /v1/audit (streams, histories, states as of an instant, export, integrity) and nothing through the
 * operational endpoints, which need a city (docs/api-guide.md, "Roles and scope").
 */
export function isLogAuditor(principal: Principal): boolean {
  return principal.role === 'auditor' && principal.city === null;
}

/**
 * A single record outside the caller's scope is answered exactly like one that does not exist (404
 * with the record's not-found code), so ids derived from public data (programme + credit code) do not
 * tell anyone whether an enterprise applied.
 */
export function hiddenRecord(code: string, zh: string, en: string): DomainError {
  return notFound(code, zh, en);
}

/**
 * SQL for "`column` holds a district the division `scope` covers" (divisionCovers, exactly): equal
 * to a county-level scope; for a prefecture, equal or one of its county-level divisions. `bind`
 * adds a parameter and returns its placeholder.
 */
export function districtCoveredSql(column: string, scope: string, bind: (value: string) => string): string {
  if (!DIVISION_CODE.test(scope)) return 'false';
  if (!isPrefecture(scope)) return `${column} = ${bind(scope)}`;
  return `(${column} = ${bind(scope)} or (left(${column}, 4) = ${bind(scope.slice(0, 4))} and right(${column}, 2) <> '00'))`;
}

/** A list filter naming something outside the caller's scope (403: the caller's own scope is no secret). */
export function filterOutOfScope(field: string): ProblemException {
  return new ProblemException(HttpStatus.FORBIDDEN, 'FILTER_OUT_OF_SCOPE', {
    zh: `筛选条件 ${field} 超出您的权限范围`,
    en: `The filter ${field} is outside your scope`,
  }, { field });
}

/** A city-wide request (a dashboard, a ledger, a new programme) by a token of another city. */
export function cityForbidden(city: string): ProblemException {
  return new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: `无权操作城市 ${city} 的数据`, en: `Your token's scope does not cover city ${city}` });
}
