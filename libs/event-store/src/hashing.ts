import { canonicalJson, sha256Hex } from '@ipstd/kernel';
import { EventMetadata } from './port';

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
