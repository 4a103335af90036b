import { Actor } from '@ipstd/event-store';

/** Roles of DOMAIN.md §1, and `witness`: an outside party that cosigns the log's checkpoints (docs/audit.md §8.9). */
export const ROLES = ['applicant', 'district-office', 'programme-admin', 'expert', 'finance', 'auditor', 'system', 'witness'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, from verified token claims. */
export interface Principal {
  /** Subject: a user id, or the expert id for experts, or a client id for systems. */
  readonly sub: string;
  readonly role: Role;
  /** Enterprise unified social credit code (applicants) or the organisation's code. */
  readonly org: string | null;
  /** GB/T 2260 district code (district offices). */
  readonly district: string | null;
  /** GB/T 2260 city code (programme admins, finance, auditors). */
  readonly city: string | null;
}

export function actorOf(principal: Principal): Actor {
  return { userId: principal.sub, role: principal.role, organisation: principal.org ?? principal.district ?? principal.city };
}

/** Printable text without control characters (NUL included), as ids and names in the log must be. */
const SUBJECT = /^[^\u0000-\u001f\u007f]{1,200}$/u;
const ORG = /^[0-9A-Za-z_\-.:]{1,64}$/;
const DIVISION = /^[1-8][0-9]{5}$/;

/**
 * The principal a verified token names, or null when its claims do not type-check: the payload must
 * be an object; `sub` and `role` are required strings (a known role); `org` is an organisation code
 * (letters, digits, _-.:), `district` and `city` are GB/T 2260 codes (six digits). An absent or null
 * optional claim is null; a present one of the wrong type or format refuses the token.
 */
export function principalOf(claims: unknown): Principal | null {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return null;
  const c = claims as Record<string, unknown>;
  const { sub, role } = c;
  if (typeof sub !== 'string' || !SUBJECT.test(sub)) return null;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return null;
  const optional = (name: 'org' | 'district' | 'city', format: RegExp): string | null | undefined => {
    const value = c[name];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' && format.test(value) ? value : undefined;
  };
  const org = optional('org', ORG);
  const district = optional('district', DIVISION);
  const city = optional('city', DIVISION);
  if (org === undefined || district === undefined || city === undefined) return null;
  return { sub, role: role as Role, org, district, city };
}
