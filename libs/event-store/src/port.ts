/**
 * The event store port. Every adapter (PostgreSQL, EventStoreDB) implements it and passes the one
 * contract suite in libs/event-store/test/contract.ts.
 */

/** Optimistic-concurrency expectation for an append. An exact revision is the stream's last revision (0-based). */
export type ExpectedRevision = 'no-stream' | 'any' | 'stream-exists' | bigint;

/** Who caused an event: taken from the authenticated caller, never from the request body. */
export interface Actor {
  readonly userId: string;
  readonly role: string;
  readonly organisation: string | null;
}

export interface EventMetadata {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** Business-effective instant (ISO-8601, UTC), which may differ from when the event was recorded. */
  readonly effectiveAt: string;
  readonly idempotencyKey: string | null;
  /**
   * GB/T 2260 code of the city (prefecture-level division) the event's stream belongs to, null for a
   * stream of no city; stamped at append time (docs/events.md, "Metadata"). Absent on events stored
   * before it was stamped: the typed reader (@ipstd/platform, stored-events.ts) supplies it when it
   * decodes them. Read it through `cityOf(event)`, never here.
   */
  readonly city?: string | null;
}

/** An event as a command produces it, before the store gives it a place in the log. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  /** Time-ordered UUID (v7). */
  readonly eventId: string;
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

/** The full envelope of a stored event. */
export interface RecordedEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  readonly streamId: string;
  /** 0-based position within the stream. */
  readonly revision: bigint;
  /** Position in the whole log; strictly increasing in commit order. */
  readonly globalPosition: bigint;
  /** ISO-8601 UTC instant at which the store accepted the event. */
  readonly recordedAt: string;
  /** Hash of the previous event of the same stream, null for the first. */
  readonly previousHash: string | null;
  /** SHA-256 (hex) over the canonical encoding of this envelope, see hashing.ts. */
  readonly hash: string;
}

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
  /** Re-appending with the same key returns the first result and appends nothing. */
  readonly idempotencyKey?: string | null;
}

export interface AppendResult {
  readonly streamId: string;
  /** Stream revision after the append: the ETag of the aggregate. */
  readonly nextExpectedRevision: bigint;
  readonly firstPosition: bigint;
  readonly lastPosition: bigint;
  readonly events: readonly RecordedEvent[];
  /** True when nothing was appended because the same events or idempotency key were already stored. */
  readonly replayed: boolean;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; defaults to the start (forwards) or the end (backwards). */
  readonly fromRevision?: bigint;
  /** Most events returned; by default the whole stream (stores read it in pages, never cut it at a fixed cap). */
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a greater global position are returned. 0n reads from the start. */
  readonly after?: bigint;
  readonly maxCount?: number;
  /** Only events of these types (all when absent). */
  readonly eventTypes?: readonly string[];
  /** Inclusive: no event with a greater global position is returned. */
  readonly until?: bigint;
}

export interface SubscriptionOptions {
  /** Exclusive checkpoint to resume after; 0n starts from the beginning of the log. */
  readonly after: bigint;
  readonly batchSize?: number;
  /**
   * Only events of these types are delivered (all when absent). The subscription still moves past
   * the others: onBatch's `position` says how far a batch covers the log.
   */
  readonly eventTypes?: readonly string[];
  /**
   * Called with each batch in global order; the next batch waits until the promise settles.
   * `position` is the global position the batch covers the log up to: its last event's, or further
   * when events after it were left out by `eventTypes` (then `events` may be empty).
   */
  readonly onBatch: (events: readonly RecordedEvent[], position: bigint) => Promise<void>;
  /** Called when the subscription has read everything stored when it started (and again after each catch-up). */
  readonly onCaughtUp?: (position: bigint) => void;
  /** A failing handler stops the subscription and reports here. */
  readonly onError?: (error: unknown) => void;
}

export interface Subscription {
  /** Global position of the last event handed to onBatch (or the starting checkpoint). */
  readonly position: bigint;
  /** Resolves when the subscription stops, whether asked to or because of an error. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export interface EventStore {
  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Several whole streams at once, each forwards from its start as `readStream` reads it, in as few
   * round trips as the store allows (a command that needs three streams pays for one read). Every
   * asked-for id is in the answer, a stream that does not exist with no events; an id asked twice is
   * read once.
   */
  readStreams(streamIds: readonly string[]): Promise<ReadonlyMap<string, RecordedEvent[]>>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options: SubscriptionOptions): Subscription;
  /** Global position of the last event in the log (0n when empty). */
  headPosition(): Promise<bigint>;
  /** Cheap reachability check for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Injection token for the configured adapter. */
export const EVENT_STORE = Symbol('EVENT_STORE');
