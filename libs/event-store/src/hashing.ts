import { canonicalJson, sha256Hex } from '@ipstd/kernel';
import { EventMetadata, NewEvent, RecordedEvent } from './port';

/** Fields of an envelope covered by its hash. The global position is not: it is assigned at commit. */
export interface HashedFields {
  readonly streamId: string;
  readonly revision: bigint;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recordedAt: string;
  readonly previousHash: string | null;
}

/**
 * SHA-256 over the canonical JSON of the envelope. Changing any covered field, or the order of a
 * stream's events, changes the hash of that event and breaks the link from its successor.
 */
export function hashEvent(fields: HashedFields): string {
  return sha256Hex(
    canonicalJson({
      v: 1,
      streamId: fields.streamId,
      revision: fields.revision.toString(),
      eventId: fields.eventId,
      type: fields.type,
      schemaVersion: fields.schemaVersion,
      data: fields.data,
      metadata: fields.metadata,
      recordedAt: fields.recordedAt,
      previousHash: fields.previousHash,
    }),
  );
}

/** Deep copy through JSON so that the stored and the hashed value are the same JSON value. */
export function toJsonValue<T>(value: T): T {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('event data must be JSON');
  if (text.includes('\\u0000')) throw new TypeError('event data must not contain NUL characters');
  return JSON.parse(text) as T;
}

/** A stored event before the log gives it a global position. */
export type ChainedEvent = Omit<RecordedEvent, 'globalPosition'>;

/**
 * Gives new events their stream revisions, the recorded time, the idempotency key and the hash
 * chain continuing from the stream's current head. Every adapter stores what this returns.
 */
export function chainEvents(
  streamId: string,
  events: readonly NewEvent[],
  head: { readonly revision: bigint | null; readonly lastHash: string | null },
  recordedAt: string,
  idempotencyKey: string | null,
): ChainedEvent[] {
  let previousHash = head.lastHash;
  let revision = head.revision === null ? 0n : head.revision + 1n;
  return events.map((event) => {
    const metadata = { ...event.metadata, idempotencyKey: idempotencyKey ?? event.metadata.idempotencyKey ?? null };
    const hash = hashEvent({ streamId, revision, eventId: event.eventId, type: event.type, schemaVersion: event.schemaVersion, data: event.data, metadata, recordedAt, previousHash });
    const chained: ChainedEvent = { ...event, metadata, streamId, revision, recordedAt, previousHash, hash };
    previousHash = hash;
    revision += 1n;
    return chained;
  });
}
