import { Actor } from '@ipstd/event-store';

/** Roles of DOMAIN.md §1. */
export const ROLES = ['applicant', 'district-office', 'programme-admin', 'expert', 'finance', 'auditor', 'system'] as const;
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
