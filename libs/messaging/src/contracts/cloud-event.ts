import { RecordedEvent } from '@ipstd/event-store';
import { readEvent } from '@ipstd/platform';
import { DOMAIN_REGISTRIES, IntegrationContract, StreamOrigin, contractForDomainType } from './catalog';

/**
 * An integration event as a CloudEvent (v1.0, structured JSON form). On Kafka it travels in binary
 * mode: the attributes become `ce_*` headers and `data` the value (see kafka-binding.ts).
 *
 * Extensions:
 * - `position`: the event's global position in the log (decimal string). Strictly increasing; the
 *   cursor of `GET /v1/events?after=` and the way to re-read from a point (docs/integration.md).
 * - `partitionkey`: the aggregate id, also the Kafka message key; order is kept per key.
 * - `city`: GB/T 2260 code of the city whose programme the event belongs to.
 * - `correlationid` / `causationid`: from the command that recorded the event.
 */
export interface IntegrationEvent {
  readonly specversion: '1.0';
  /** The domain event's id (UUIDv7): consumers deduplicate by it. */
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly position: string;
  readonly partitionkey: string;
  readonly city?: string;
  readonly correlationid: string;
  readonly causationid?: string;
  readonly data: Record<string, unknown>;
}

export const sourceOf = (contract: IntegrationContract): string => `/ipstd/${contract.context}`;
export const schemaUriOf = (type: string): string => `urn:ipstd:integration-schema:${type}`;

/** The aggregate id of a stream named `<kind>-<id>`. */
export function aggregateIdOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(dash + 1);
}

/** True when the log event has a public contract. */
export const isPublished = (event: Pick<RecordedEvent, 'type'>): boolean => contractForDomainType(event.type) !== undefined;

/**
 * Maps a stored domain event to its integration event under `contract` (default: its primary contract);
 * null for events that are not published. `origin` carries what the stream's creating event says (the
 * grant's enterprise), which the credit system's contracts need.
 */
export function toIntegrationEvent(
  event: RecordedEvent,
  city: string | null,
  contract: IntegrationContract | undefined = contractForDomainType(event.type),
  origin: StreamOrigin = { city, enterprise: null },
): IntegrationEvent | null {
  if (!contract || contract.domainType !== event.type) return null;
  const decoded = readEvent(DOMAIN_REGISTRIES[contract.context], event);
  const subject = aggregateIdOf(event.streamId);
  return {
    specversion: '1.0',
    id: event.eventId,
    source: sourceOf(contract),
    type: contract.type,
    subject,
    time: event.recordedAt,
    datacontenttype: 'application/json',
    position: event.globalPosition.toString(),
    partitionkey: subject,
    ...(city ? { city } : {}),
    correlationid: event.metadata.correlationId,
    ...(event.metadata.causationId ? { causationid: event.metadata.causationId } : {}),
    data: contract.map(decoded.data, origin),
  };
}
