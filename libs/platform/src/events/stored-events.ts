import { DomainEvent, EventRegistry, decodeEvent } from '@ipstd/kernel';
import { EventMetadata, RecordedEvent } from '@ipstd/event-store';
import { prefectureOf } from '../auth/divisions';

/**
 * The typed reader: the one way every consumer of stored events (projections, reactors, audit
 * histories, queries, integration mappers, scripts) reads them (docs/events.md, "Reading stored
 * events"). It decodes the data through the context's registry, upcasting older schema versions, and
 * the metadata through the metadata upcaster below, and gives a union discriminated by `type`, so no
 * consumer casts `data`. test/architecture/typed-reader.spec.ts keeps it the only way.
 */

/** The metadata as read: `city` always settled (stamped at append time, or supplied for older events). */
export interface ReadMetadata extends Omit<EventMetadata, 'city'> {
  /**
   * GB/T 2260 code of the stream's city, null for a stream of no city. Undefined only for an event
   * stored before the city was stamped whose own data does not name it, read without its stream's
   * first event: `cityOf` refuses such an event rather than take it for one of no city.
   */
  readonly city: string | null | undefined;
}

/** A stored event as read: the envelope, the metadata with its city, and the data typed by `type`. */
export type StoredEvent<E extends DomainEvent = DomainEvent> = E extends DomainEvent
  ? Omit<RecordedEvent, 'type' | 'data' | 'metadata'> & { readonly type: E['type']; readonly data: E['data']; readonly metadata: ReadMetadata }
  : never;

/** A stored event of a type outside the registry a consumer reads with. */
export class ForeignEventError extends Error {
  constructor(type: string, streamId: string) {
    super(`stored event ${type} of ${streamId} is not in the registry it was read with`);
  }
}

export class StreamCityUnknownError extends Error {
  constructor(event: Pick<RecordedEvent, 'type' | 'streamId' | 'revision'>) {
    super(`the city of ${event.type} at ${event.streamId}@${event.revision} is not in its metadata nor its data: read it with the stream's first event`);
  }
}

/**
 * Reads one stored event through `registry` (upcasting older versions) and settles its city.
 * `streamFirst`, the stream's first event, lets the city of an older event whose data does not name
 * it be taken from the event that opened the stream.
 */
export function readEvent<E extends DomainEvent>(registry: EventRegistry<E>, recorded: RecordedEvent, streamFirst?: RecordedEvent): StoredEvent<E> {
  // A type is in one registry only (test/architecture/stored-event-types.spec.ts), so what another
  // consumer read is what this registry would give: only the check that the type is this consumer's
  // stays per call. An event with its city stamped reads the same with or without its stream's first.
  const schema = (registry as Record<string, { version: number } | undefined>)[recorded.type];
  const reused = schema && recorded.schemaVersion <= schema.version ? readOnce.get(recorded) : undefined;
  if (reused) return reused as StoredEvent<E>;
  const decoded = decodeEvent(registry, recorded.type, recorded.schemaVersion, recorded.data);
  const read = { ...recorded, type: decoded.type, data: decoded.data, metadata: readMetadata(recorded, streamFirst) } as unknown as StoredEvent<E>;
  if (recorded.metadata.city !== undefined) readOnce.set(recorded, read);
  return read;
}

/**
 * Each stored event is decoded once however many consumers read it: the subscription runner hands
 * the same RecordedEvent to every consumer of a batch, and a keyed projection reads it for its key and
 * again for its row. Entries go with the batch (a WeakMap).
 */
const readOnce = new WeakMap<RecordedEvent, StoredEvent>();

/** Reads a stream as a whole (from revision 0), so every event's city is settled from the first. */
export function readStreamEvents<E extends DomainEvent>(registry: EventRegistry<E>, recorded: readonly RecordedEvent[]): Array<StoredEvent<E>> {
  const first = recorded.length > 0 && recorded[0].revision === 0n ? recorded[0] : undefined;
  return recorded.map((e) => readEvent(registry, e, first));
}

/**
 * Reads `recorded` when its type is in `registry` (e.g. a reactor fed events of several contexts),
 * else null.
 */
export function readIfIn<E extends DomainEvent>(registry: EventRegistry<E>, recorded: RecordedEvent, streamFirst?: RecordedEvent): StoredEvent<E> | null {
  return Object.prototype.hasOwnProperty.call(registry, recorded.type) ? readEvent(registry, recorded, streamFirst) : null;
}

/** Reads `recorded`, which must be of `type` (a consumer that handles one type only). */
export function readEventOf<E extends DomainEvent, T extends E['type']>(registry: EventRegistry<E>, type: T, recorded: RecordedEvent, streamFirst?: RecordedEvent): Extract<StoredEvent<E>, { type: T }> {
  if (recorded.type !== type) throw new ForeignEventError(recorded.type, recorded.streamId);
  return readEvent(registry, recorded, streamFirst) as Extract<StoredEvent<E>, { type: T }>;
}

/** The domain event (type and data) of a stored event read through the registry of `E`, e.g. to fold it. */
export function domainEventOf<E extends DomainEvent>(event: StoredEvent<E>): E {
  return { type: event.type, data: event.data } as E;
}

/** The metadata of any stored event with its city settled, for readers that need no data (audit scope, export). */
export function readMetadata(recorded: RecordedEvent, streamFirst?: RecordedEvent): ReadMetadata {
  const { city: stamped, ...rest } = recorded.metadata;
  if (stamped !== undefined) return { ...rest, city: stamped };
  let city = legacyCity(recorded);
  if (city === undefined && streamFirst && streamFirst.streamId === recorded.streamId) {
    city = streamFirst.metadata.city !== undefined ? streamFirst.metadata.city : legacyCity(streamFirst);
  }
  return { ...rest, city };
}

/** The city of a stored event's stream: the one way to ask it (null: a stream of no city). */
export function cityOf(event: StoredEvent | RecordedEvent): string | null {
  const city = isRead(event) ? event.metadata.city : readMetadata(event).city;
  if (city === undefined) throw new StreamCityUnknownError(event);
  return city;
}

/** The city of a stored event when it is settled, undefined for an older event whose stream's first event is needed. */
export function settledCityOf(event: StoredEvent | RecordedEvent): string | null | undefined {
  return isRead(event) ? event.metadata.city : readMetadata(event).city;
}

function isRead(event: StoredEvent | RecordedEvent): event is StoredEvent {
  return 'city' in event.metadata && event.metadata.city !== undefined;
}

/**
 * The metadata upcaster: the city of an event stored before `city` was stamped into its metadata,
 * derived per stream kind as the readers derived it before (docs/events.md, "Metadata"). A string or
 * null when the event itself says; undefined when only the stream's first event says. It reads the
 * data as stored (the city fields never moved between schema versions), which is why it alone may.
 */
export function legacyCity(recorded: Pick<RecordedEvent, 'streamId' | 'type' | 'data'>): string | null | undefined {
  const kind = STREAM_KINDS.find((k) => recorded.streamId.startsWith(k.prefix));
  return kind ? kind.city(recorded.type, (recorded.data ?? {}) as LegacyData, recorded.streamId) : null;
}

/** The fields older events named their city by. */
interface LegacyData {
  readonly city?: string;
  readonly district?: string;
  readonly terms?: { readonly city?: string };
  readonly profile?: { readonly enterprise?: { readonly district?: string } };
  readonly enterprise?: { readonly district?: string };
}

const cityOfDistrict = (district: string | undefined): string | undefined => (district ? prefectureOf(district) : undefined);

/**
 * Every kind of stream, by the prefix of its id, and how its older events name its city. A stream
 * whose id matches none belongs to no city (rule-set catalog, working-day calendar, enterprise facts,
 * audit checkpoints).
 */
const STREAM_KINDS: ReadonlyArray<{ readonly prefix: string; readonly city: (type: string, data: LegacyData, streamId: string) => string | null | undefined }> = [
  // The programme's city is its terms' city, set when it opened.
  { prefix: 'programme-', city: (type, d) => (type === 'ProgrammeOpened' ? d.terms?.city : undefined) },
  // The city of the enterprise's district (a submission outside the programme's city is refused).
  {
    prefix: 'application-',
    city: (type, d) =>
      type === 'ApplicationSubmitted' || type === 'ApplicationAmended'
        ? cityOfDistrict(d.profile?.enterprise?.district)
        : type === 'ApplicationEndorsed' || type === 'ApplicationNotEndorsed'
          ? cityOfDistrict(d.district)
          : undefined,
  },
  // The city of the awarded enterprise's district.
  { prefix: 'grant-', city: (type, d) => (type === 'GrantAwarded' ? cityOfDistrict(d.enterprise?.district) : undefined) },
  // The finance bureau's city, in StatementImported; the rows of an older statement name none (null, as before).
  { prefix: 'statement-', city: (type, d) => (type === 'StatementImported' ? (d.city ?? null) : null) },
  // One pool per city: the stream id names it.
  { prefix: 'expert-pool-', city: (_type, _d, streamId) => streamId.slice('expert-pool-'.length) },
  // The programme's city, in the reminder itself.
  { prefix: 'reminder-', city: (_type, d) => d.city ?? null },
  { prefix: 'enterprise-', city: () => null },
];
