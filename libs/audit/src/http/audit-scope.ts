import { RecordedEvent } from '@ipstd/event-store';
import { Principal, isLogAuditor, scopeCoversCity, scopeCoversDistrict } from '@ipstd/platform';

/**
 * Where a stream belongs, from its category and first event: a programme call belongs to its city; an
 * application or a grant to its enterprise's district; every other stream (rule catalog, enterprise
 * facts, statements, checkpoints, idempotency markers) to no city.
 */
export type StreamPlace = { readonly kind: 'city'; readonly city: string } | { readonly kind: 'district'; readonly district: string } | { readonly kind: 'global' };

export function placeOfStream(streamId: string, first: RecordedEvent): StreamPlace {
  const data = (first.data ?? {}) as { terms?: { city?: unknown }; profile?: { enterprise?: { district?: unknown } }; enterprise?: { district?: unknown } };
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  if (streamId.startsWith('programme-')) return { kind: 'city', city: text(data.terms?.city) };
  if (streamId.startsWith('application-')) return { kind: 'district', district: text(data.profile?.enterprise?.district) };
  if (streamId.startsWith('grant-')) return { kind: 'district', district: text(data.enterprise?.district) };
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
