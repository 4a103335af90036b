import { RecordedEvent } from '@ipstd/event-store';
import { Principal, cityOf, isLogAuditor, readEventOf, scopeCoversCity, scopeCoversDistrict } from '@ipstd/platform';
import { APPLICATION_EVENTS, PROGRAMME_EVENTS } from '@ipstd/applications';
import { GRANT_EVENTS } from '@ipstd/grants';

/**
 * Where a stream belongs, from its category and first event: a programme call belongs to its city
 * (the city of its events, `cityOf`); an application or a grant to its enterprise's district (a
 * county-level city's auditor sees the records of its own district, not its prefecture's); every
 * other stream (rule catalog, enterprise facts, statements, checkpoints, idempotency markers) to no
 * city, for the auditors of a city.
 */
export type StreamPlace = { readonly kind: 'city'; readonly city: string } | { readonly kind: 'district'; readonly district: string } | { readonly kind: 'global' };

export function placeOfStream(streamId: string, first: RecordedEvent): StreamPlace {
  // A stream not opened by its kind's first event (none the write path makes) belongs to no city.
  if (streamId.startsWith('programme-') && first.type === 'ProgrammeOpened') return { kind: 'city', city: cityOf(readEventOf(PROGRAMME_EVENTS, 'ProgrammeOpened', first)) ?? '' };
  if (streamId.startsWith('application-') && first.type === 'ApplicationSubmitted') return { kind: 'district', district: readEventOf(APPLICATION_EVENTS, 'ApplicationSubmitted', first).data.profile.enterprise.district };
  if (streamId.startsWith('grant-') && first.type === 'GrantAwarded') return { kind: 'district', district: readEventOf(GRANT_EVENTS, 'GrantAwarded', first).data.enterprise.district };
  return { kind: 'global' };
}

/**
 * What an auditor may read through /v1/audit (docs/api-guide.md, "Roles and scope"): the log
 * auditor (no city claim) every stream; a city auditor the programmes of exactly its city and the
 * applications and grants of districts its city covers, and no stream that belongs to no city.
 */
export function auditorSees(principal: Principal, place: StreamPlace): boolean {
  if (principal.role !== 'auditor') return false;
  if (isLogAuditor(principal)) return true;
  switch (place.kind) {
    case 'city':
      return scopeCoversCity(principal, place.city);
    case 'district':
      return scopeCoversDistrict(principal, place.district);
    default:
      return false;
  }
}
