import { sha256Hex } from '@ipstd/kernel';
import type { RecordedEvent } from '@ipstd/event-store';

/** The stream that holds the log's checkpoints, one event per checkpoint, in sealing order. */
export const CHECKPOINT_STREAM = 'log-checkpoints';
export const CHECKPOINT_EVENT_TYPE = 'LogCheckpointSealed';
export const CHECKPOINT_SCHEMA_VERSION = 1;

/** The digest a log with no checkpoint yet continues from. */
export const GENESIS_DIGEST = '0'.repeat(64);

/**
 * Data of a `LogCheckpointSealed` event. It seals every event with fromPosition < globalPosition
 * <= toPosition, checkpoint events of earlier seals included: each checkpoint is itself sealed by a
 * later one.
 */
export interface LogCheckpointData {
  /** 1-based; equals the checkpoint event's stream revision + 1. */
  readonly sequence: number;
  /** Exclusive; the previous checkpoint's toPosition (0 for the first). */
  readonly fromPosition: number;
  /** Inclusive; the global position of the last sealed event. */
  readonly toPosition: number;
  readonly eventCount: number;
  readonly digest: string;
  /** The previous checkpoint's digest (GENESIS_DIGEST for the first). */
  readonly previousDigest: string;
  readonly sealedAt: string;
}

/** What a digest covers of one event: its place in the log, its id and its own hash. */
export interface DigestInput {
  readonly globalPosition: bigint;
  readonly eventId: string;
  readonly hash: string;
}

/**
 * One step of the log digest: SHA-256 over the previous digest and the event's position, id and
 * hash. Folding this over the events of (fromPosition, toPosition] in position order, starting from
 * previousDigest, gives the checkpoint's digest; since every checkpoint starts from its
 * predecessor's digest, the digests form one chain over the whole log.
 */
export function nextDigest(previous: string, event: DigestInput): string {
  return sha256Hex(`${previous}\n${event.globalPosition.toString()}\n${event.eventId}\n${event.hash}`);
}

export const isCheckpointEvent = (event: Pick<RecordedEvent, 'streamId'>): boolean => event.streamId === CHECKPOINT_STREAM;

/** Reads the data of a checkpoint event; null when it does not have the shape of one. */
export function checkpointDataOf(event: RecordedEvent): LogCheckpointData | null {
  if (event.type !== CHECKPOINT_EVENT_TYPE) return null;
  const d = event.data as Partial<Record<keyof LogCheckpointData, unknown>> | null;
  if (!d || typeof d !== 'object') return null;
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  if (!int(d.sequence) || !int(d.fromPosition) || !int(d.toPosition) || !int(d.eventCount)) return null;
  if (!hex(d.digest) || !hex(d.previousDigest) || typeof d.sealedAt !== 'string') return null;
  return d as unknown as LogCheckpointData;
}
