import {
  AppendOptions,
  NewEvent,
  RecordedEvent,
  DuplicateEventIdError,
  IdempotencyKeyConflictError,
  ChainedEvent,
  chainEvents,
  checkExpectedRevision,
} from '@ipstd/event-store';

/** One append as a caller asked for it (data and metadata already normalised to JSON values). */
export interface AppendRequest {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly options: AppendOptions;
}

/** What the database holds, under the append lock, for the streams, event ids and keys a batch touches. */
export interface BatchSnapshot {
  /** Existing streams by id; a stream that is absent does not exist. */
  readonly streams: ReadonlyMap<string, { readonly revision: bigint; readonly lastHash: string }>;
  /** Stored events among the batch's event ids. */
  readonly events: ReadonlyMap<string, { readonly streamId: string; readonly revision: bigint }>;
  /** Stored idempotency keys among the batch's keys. */
  readonly keys: ReadonlyMap<string, { readonly streamId: string; readonly eventIds: readonly string[] }>;
}

/** An event ready to insert: everything but the global position, which the insert assigns. */
export type PreparedEvent = ChainedEvent;

export type AppendPlan =
  /** New events to insert (in stream order); the key, when given, is recorded with them. */
  | { readonly kind: 'write'; readonly streamId: string; readonly records: readonly PreparedEvent[]; readonly key: string | null; readonly recordedAt: string }
  /** An append of no events that passed its revision check. */
  | { readonly kind: 'empty'; readonly streamId: string; readonly nextExpectedRevision: bigint }
  /** A retry: answered with these already appended events (stored before, or written earlier in this batch). */
  | { readonly kind: 'replay'; readonly streamId: string; readonly eventIds: readonly string[] }
  | { readonly kind: 'error'; readonly error: unknown };

/** The final state of each stream the batch writes to, for one upsert of es_streams. */
export interface StreamUpdate {
  readonly streamId: string;
  readonly revision: bigint;
  readonly lastHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Decides every append of a batch, in order, against the snapshot read under the append lock,
 * exactly as if each ran alone in turn: later appends see the streams, event ids and idempotency
 * keys of the earlier ones. Nothing is written here, so an append that fails leaves no trace and
 * no savepoint is needed; the caller writes all 'write' plans with one insert per table.
 */
export function planBatch(requests: readonly AppendRequest[], snapshot: BatchSnapshot, now: () => Date): { plans: AppendPlan[]; streamUpdates: StreamUpdate[] } {
  const streams = new Map<string, { revision: bigint; lastHash: string } | null>();
  const written = new Map<string, { streamId: string; revision: bigint }>();
  const keys = new Map<string, { streamId: string; eventIds: readonly string[] }>();
  const updates = new Map<string, { streamId: string; revision: bigint; lastHash: string; createdAt: string; updatedAt: string }>();

  const streamState = (streamId: string) => (streams.has(streamId) ? streams.get(streamId)! : (snapshot.streams.get(streamId) ?? null));
  const storedEvent = (eventId: string) => written.get(eventId) ?? snapshot.events.get(eventId);

  const plans = requests.map((request): AppendPlan => {
    try {
      const { streamId, events, options } = request;
      const key = options.idempotencyKey ?? null;
      if (key !== null) {
        const earlier = keys.get(key) ?? snapshot.keys.get(key);
        if (earlier) {
          if (earlier.streamId !== streamId) throw new IdempotencyKeyConflictError(key);
          return { kind: 'replay', streamId, eventIds: earlier.eventIds };
        }
      }

      // The same event ids appended again to the same stream in the same order: a retry.
      if (events.length > 0) {
        const found = events
          .map((e) => {
            const stored = storedEvent(e.eventId);
            return stored ? { eventId: e.eventId, ...stored } : null;
          })
          .filter((f): f is { eventId: string; streamId: string; revision: bigint } => f !== null)
          .sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
        if (found.length > 0) {
          const identical =
            found.length === events.length &&
            found.every((f, i) => f.streamId === streamId && f.eventId === events[i].eventId && (i === 0 || f.revision === found[i - 1].revision + 1n));
          if (!identical) throw new DuplicateEventIdError(found[0].eventId);
          return { kind: 'replay', streamId, eventIds: found.map((f) => f.eventId) };
        }
      }

      const current = streamState(streamId);
      checkExpectedRevision(streamId, options.expectedRevision, current?.revision ?? null);
      if (events.length === 0) return { kind: 'empty', streamId, nextExpectedRevision: current?.revision ?? -1n };

      const recordedAt = now().toISOString();
      const records = chainEvents(streamId, events, { revision: current?.revision ?? null, lastHash: current?.lastHash ?? null }, recordedAt, key);

      // Only now, with nothing left that can fail, does the append change what later ones see.
      const last = records[records.length - 1];
      streams.set(streamId, { revision: last.revision, lastHash: last.hash });
      for (const r of records) written.set(r.eventId, { streamId, revision: r.revision });
      if (key !== null) keys.set(key, { streamId, eventIds: records.map((r) => r.eventId) });
      const update = updates.get(streamId);
      updates.set(streamId, { streamId, revision: last.revision, lastHash: last.hash, createdAt: update?.createdAt ?? recordedAt, updatedAt: recordedAt });
      return { kind: 'write', streamId, records, key, recordedAt };
    } catch (error) {
      return { kind: 'error', error };
    }
  });
  return { plans, streamUpdates: [...updates.values()] };
}
