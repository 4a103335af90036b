import { EventRegistry } from '@ipstd/kernel';
import { CHECKPOINT_EVENT_TYPE, CHECKPOINT_SCHEMA_VERSION, CHECKPOINT_STREAM, LogCheckpointData } from '../verify/checkpoint';

/** The stream of published signed checkpoints (one event per publication). */
export const SIGNED_CHECKPOINT_STREAM = 'log-signed-checkpoints';
export const SIGNED_CHECKPOINT_EVENT_TYPE = 'SignedCheckpointPublished';
export const SIGNED_CHECKPOINT_SCHEMA_VERSION = 1;

/**
 * Data of a `SignedCheckpointPublished` event: the signed note of the Merkle tree's checkpoint at
 * `treeSize`, as GET /v1/audit/checkpoint served it then (without witness cosignatures, which come
 * later). The event itself is a leaf of the next tree (position > lastPosition).
 */
export interface SignedCheckpointData {
  /** The checkpoint's origin line (the log's name, AUDIT_LOG_ORIGIN). */
  readonly origin: string;
  /** Leaves (events) the checkpoint covers. */
  readonly treeSize: number;
  /** The tree's root hash, base64 as in the note. */
  readonly rootHash: string;
  /** Global position of the last event the tree covers (its leaf treeSize − 1). */
  readonly lastPosition: number;
  /** The C2SP signed note: checkpoint body, blank line, signature lines. */
  readonly note: string;
  readonly publishedAt: string;
}

export type AuditEvent =
  | { readonly type: typeof CHECKPOINT_EVENT_TYPE; readonly data: LogCheckpointData }
  | { readonly type: typeof SIGNED_CHECKPOINT_EVENT_TYPE; readonly data: SignedCheckpointData };

/** The audit context's stored event types (docs/events.md). They seal and certify the log; they record no funding decision. */
export const AUDIT_EVENTS: EventRegistry<AuditEvent> = {
  LogCheckpointSealed: { version: CHECKPOINT_SCHEMA_VERSION },
  SignedCheckpointPublished: { version: SIGNED_CHECKPOINT_SCHEMA_VERSION },
};

/** Both kinds of checkpoint events: bookkeeping about the log, not activity that needs a new checkpoint. */
export const isAnyCheckpointEvent = (event: { readonly streamId: string }): boolean => event.streamId === CHECKPOINT_STREAM || event.streamId === SIGNED_CHECKPOINT_STREAM;
