import { ExpectedRevision } from './port';

export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export function describeRevision(revision: ExpectedRevision | bigint | null): string {
  if (revision === null) return 'no stream';
  return typeof revision === 'bigint' ? revision.toString() : revision;
}

/** The stream is not at the revision the caller expected: someone else appended first. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** Current last revision, or null when the stream does not exist. */
    readonly actual: bigint | null,
  ) {
    super(`stream ${streamId}: expected revision ${describeRevision(expected)}, actual ${describeRevision(actual)}`);
  }
}

/** An event id already exists, but not as an identical earlier append of the same events. */
export class DuplicateEventIdError extends EventStoreError {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already stored in a different append`);
  }
}

/** An idempotency key was reused for a different stream or different events. */
export class IdempotencyKeyConflictError extends EventStoreError {
  readonly code = 'IDEMPOTENCY_KEY_CONFLICT';
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key ${idempotencyKey} was already used for a different append`);
  }
}

/** Events that the store cannot keep as given (for example strings with NUL characters). */
export class InvalidEventError extends EventStoreError {
  readonly code = 'INVALID_EVENT';
  constructor(message: string) {
    super(message);
  }
}
