import { Actor } from '@ipstd/event-store';

/** Everything about a command that comes from the request, not from its body. */
export interface CommandContext {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** Caller-chosen key; retries with the same key append nothing new. */
  readonly idempotencyKey: string | null;
  /** From If-Match: the revision the caller last saw; null when the caller did not say. */
  readonly expectedRevision: bigint | null;
}
