/**
 * EventStoreDB adapter of the event store port, kept to the semantics of the PostgreSQL adapter so
 * that both pass the one contract suite.
 *
 * Envelope. ESDB keeps id, type, stream, revision and JSON data natively; the rest of our envelope
 * (our `metadata`, `schemaVersion`, `recordedAt` from the injected clock, `previousHash`, `hash` and
 * the revision the hash covers) is stored as the ESDB event metadata JSON, see {@link EsdbEnvelope}.
 * `$correlationId`/`$causationId` are added so ESDB's own tooling can follow causation. Hashes are
 * computed with `hashEvent` over exactly the fields the PostgreSQL adapter hashes.
 *
 * Appends. ESDB has no multi-stream transactions, so an append is a read-check-write loop: read the
 * whole stream (idempotency and duplicate-id checks, and the last hash to chain on), check the
 * caller's expectation, then append with the exact revision that was read (`no_stream` for a new
 * stream). The chain therefore cannot fork: a concurrent writer makes the append fail with
 * WrongExpectedVersion and the loop runs again from the fresh state, so an exact or `no-stream`
 * expectation then fails with our WrongExpectedRevisionError carrying the actual revision, and
 * `any`/`stream-exists` retry up to `maxAppendAttempts` times. The events are read back after the
 * append for their commit positions; if ESDB answered from its own idempotency cache (the same ids
 * written concurrently at the same revision) the stored events differ from ours and the result is
 * reported as a replay.
 *
 * Idempotency keys. A key is recorded after its events, in a marker stream
 * `idempotency-<sha256 hex of key>` (`$` prefixes are reserved by ESDB) written with `no_stream`,
 * holding the stream id and event ids. The marker decides conflicts across streams; within a stream
 * the events themselves carry the key in their metadata, so a crash between the two writes, or two
 * concurrent appends with one key, still replay instead of appending twice.
 *
 * Log positions. `globalPosition` is the event's commit position in `$all` (for gRPC appends every
 * event has its own, equal to its prepare position), so `readAll({ after })` must be given 0n or a
 * position this store returned. `readAll` and `headPosition` skip system events (type or stream
 * starting with `$`) and the marker streams; stream ids of the marker form are refused on append so
 * no user stream is hidden. Subscriptions are the shared PollingSubscription over `readAll`, woken
 * early by a live ESDB `$all` subscription (system events filtered out) and otherwise by polling.
 *
 * Known limits compared to PostgreSQL: duplicate event ids are detected within the target stream
 * only (ESDB has no global id index); an append reads the whole stream first, so its cost grows with
 * the stream's length; if two appends use one key on two different streams at the same moment, the
 * loser gets IdempotencyKeyConflictError after its events were stored.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendExpectedRevision,
  BACKWARDS,
  END,
  ErrorType,
  EventData,
  EventStoreDBClient,
  FORWARDS,
  JSONType,
  NO_STREAM,
  ReadPosition,
  ReadRevision,
  START,
  StreamingRead,
  excludeSystemEvents,
} from '@eventstore/db-client';
import { Clock, systemClock } from '@ipstd/kernel';
import {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
  SubscriptionOptions,
  DuplicateEventIdError,
  IdempotencyKeyConflictError,
  InvalidEventError,
  WrongExpectedRevisionError,
  ChainedEvent,
  chainEvents,
  toJsonValue,
  checkExpectedRevision,
  validateAppend,
  PollingSubscription,
  Wakeup,
  DEFAULT_READ_PAGE_SIZE,
  readStreamInPages,
} from '@ipstd/event-store';

export interface EventStoreDbEventStoreOptions {
  readonly clock?: Clock;
  /** How often an idle subscription looks for new events when the live feed does not wake it. */
  readonly pollIntervalMs?: number;
  /** Read-check-append rounds before an `any`/`stream-exists` append under contention gives up. */
  readonly maxAppendAttempts?: number;
  /** Events fetched per read when reading a stream (default 1,000); readStream pages until the stream ends. */
  readonly readPageSize?: number;
}

/** The ESDB event metadata JSON that carries the part of our envelope ESDB does not keep itself. */
export type EsdbEnvelope = {
  readonly v: 1;
  readonly metadata: EventMetadata;
  readonly schemaVersion: number;
  readonly recordedAt: string;
  readonly previousHash: string | null;
  readonly hash: string;
  readonly revision: string;
  readonly $correlationId: string;
  readonly $causationId?: string;
};

/** The fields of an ESDB recorded event the adapter reads (structurally the client's RecordedEvent). */
export interface EsdbRecordedEventLike {
  readonly streamId: string;
  readonly id: string;
  readonly type: string;
  readonly revision: bigint;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: { readonly commit: bigint; readonly prepare: bigint };
}

export interface IdempotencyMarker {
  readonly streamId: string;
  readonly eventIds: readonly string[];
}

export type PreparedEvent = ChainedEvent;

const MARKER_PREFIX = 'idempotency-';
const MARKER_STREAM = /^idempotency-[0-9a-f]{64}$/;
const MARKER_EVENT_TYPE = 'IdempotencyKeyRecorded';
const LOG_PAGE = 500;

export function idempotencyStreamName(key: string): string {
  return MARKER_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isIdempotencyStream(streamId: string): boolean {
  return MARKER_STREAM.test(streamId);
}

/** Whether an event of `$all` belongs to the port's log (not ESDB's own, not a marker). */
export function isLogEvent(streamId: string, type: string): boolean {
  return !type.startsWith('$') && !streamId.startsWith('$') && !isIdempotencyStream(streamId);
}

/** The ESDB expectation for an append made right after reading the stream at `current`. */
export function toEsdbExpectedRevision(current: bigint | null): AppendExpectedRevision {
  return current === null ? NO_STREAM : current;
}

export function isWrongExpectedVersion(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === ErrorType.WRONG_EXPECTED_VERSION;
}

export function isStreamNotFound(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === ErrorType.STREAM_NOT_FOUND;
}

/** Maps ESDB's WrongExpectedVersionError (actualVersion `no_stream` or a revision) to the port's error. */
export function toWrongExpectedRevision(streamId: string, expected: ExpectedRevision, error: unknown): WrongExpectedRevisionError {
  const actual = (error as { actualVersion?: unknown } | null)?.actualVersion;
  return new WrongExpectedRevisionError(streamId, expected, typeof actual === 'bigint' && actual >= 0n ? actual : null);
}

/** Assigns revisions, the recorded time and the hash chain exactly as the PostgreSQL adapter does. */
export function prepareEvents(
  streamId: string,
  events: readonly NewEvent[],
  idempotencyKey: string | null,
  current: bigint | null,
  lastHash: string | null,
  recordedAt: string,
): PreparedEvent[] {
  return chainEvents(streamId, events, { revision: current, lastHash }, recordedAt, idempotencyKey);
}

export function encodeEnvelope(event: PreparedEvent): EsdbEnvelope {
  return {
    v: 1,
    metadata: event.metadata,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    previousHash: event.previousHash,
    hash: event.hash,
    revision: event.revision.toString(),
    $correlationId: event.metadata.correlationId,
    ...(event.metadata.causationId === null ? {} : { $causationId: event.metadata.causationId }),
  };
}

export function toEventData(event: PreparedEvent): EventData {
  return {
    id: event.eventId,
    contentType: 'application/json',
    type: event.type,
    data: event.data as JSONType,
    metadata: encodeEnvelope(event),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an envelope back from ESDB metadata; anything this adapter did not write is refused. */
export function decodeEnvelope(raw: unknown): Omit<EsdbEnvelope, '$correlationId' | '$causationId'> {
  if (
    !isObject(raw) ||
    raw.v !== 1 ||
    !isObject(raw.metadata) ||
    typeof raw.schemaVersion !== 'number' ||
    !Number.isInteger(raw.schemaVersion) ||
    typeof raw.recordedAt !== 'string' ||
    !(raw.previousHash === null || typeof raw.previousHash === 'string') ||
    typeof raw.hash !== 'string' ||
    typeof raw.revision !== 'string' ||
    !/^\d+$/.test(raw.revision)
  ) {
    throw new TypeError('event metadata is not an envelope written by the EventStoreDB adapter');
  }
  return {
    v: 1,
    metadata: raw.metadata as unknown as EventMetadata,
    schemaVersion: raw.schemaVersion,
    recordedAt: raw.recordedAt,
    previousHash: raw.previousHash,
    hash: raw.hash,
    revision: raw.revision,
  };
}

export function fromEsdbEvent(event: EsdbRecordedEventLike): RecordedEvent {
  const where = `event ${event.id} at ${event.streamId}@${event.revision}`;
  let envelope: ReturnType<typeof decodeEnvelope>;
  try {
    envelope = decodeEnvelope(event.metadata);
  } catch (error) {
    throw new TypeError(`${where}: ${(error as Error).message}`);
  }
  if (BigInt(envelope.revision) !== event.revision) {
    throw new TypeError(`${where}: envelope was hashed for revision ${envelope.revision}`);
  }
  if (!event.position) throw new TypeError(`${where}: no log position (EventStoreDB 22.6 or later is required)`);
  return {
    eventId: event.id,
    type: event.type,
    schemaVersion: envelope.schemaVersion,
    data: event.data,
    metadata: envelope.metadata,
    streamId: event.streamId,
    revision: event.revision,
    globalPosition: event.position.commit,
    recordedAt: envelope.recordedAt,
    previousHash: envelope.previousHash,
    hash: envelope.hash,
  };
}

export function parseMarker(data: unknown): IdempotencyMarker {
  if (!isObject(data) || typeof data.streamId !== 'string' || !Array.isArray(data.eventIds) || !data.eventIds.every((id) => typeof id === 'string')) {
    throw new TypeError('malformed idempotency marker');
  }
  return { streamId: data.streamId, eventIds: data.eventIds as string[] };
}

/** The same event ids already stored in the same order: a retry. Any other overlap is refused. */
export function findIdenticalAppend(stream: readonly RecordedEvent[], eventIds: readonly string[]): RecordedEvent[] | null {
  if (eventIds.length === 0) return null;
  const wanted = new Set(eventIds);
  const rows = stream.filter((e) => wanted.has(e.eventId));
  if (rows.length === 0) return null;
  const identical =
    rows.length === eventIds.length && rows.every((r, i) => r.eventId === eventIds[i] && (i === 0 || r.revision === rows[i - 1].revision + 1n));
  if (!identical) throw new DuplicateEventIdError(rows[0].eventId);
  return rows;
}

/** The events an earlier append with this key stored in the stream, by the marker's ids or by the key they carry. */
export function findKeyedAppend(stream: readonly RecordedEvent[], key: string, marker: IdempotencyMarker | null): RecordedEvent[] | null {
  if (marker) {
    const ids = new Set(marker.eventIds);
    const byMarker = stream.filter((e) => ids.has(e.eventId));
    if (byMarker.length > 0 && byMarker.length === ids.size) return byMarker;
  }
  const tagged = stream.filter((e) => e.metadata.idempotencyKey === key);
  return tagged.length > 0 ? tagged : null;
}

export function replayResult(streamId: string, events: RecordedEvent[]): AppendResult {
  const last = events[events.length - 1];
  return {
    streamId,
    nextExpectedRevision: last.revision,
    firstPosition: events[0].globalPosition,
    lastPosition: last.globalPosition,
    events,
    replayed: true,
  };
}

type Attempt = { readonly done: AppendResult } | { readonly conflict: unknown };

export class EventStoreDbEventStore implements EventStore {
  private readonly clock: Clock;
  private readonly maxAppendAttempts: number;
  private readonly readPageSize: number;
  private readonly wakeup: Wakeup;
  private liveFeed: AllStreamSubscription | null = null;
  private closed = false;

  constructor(
    private readonly client: EventStoreDBClient,
    options: EventStoreDbEventStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.wakeup = new Wakeup(options.pollIntervalMs ?? 500);
    this.maxAppendAttempts = Math.max(1, options.maxAppendAttempts ?? 16);
    this.readPageSize = options.readPageSize ?? DEFAULT_READ_PAGE_SIZE;
  }

  /** `connectionString` as ESDB takes it, e.g. `esdb://localhost:2113?tls=false`. */
  static fromConnectionString(connectionString: string, options: EventStoreDbEventStoreOptions = {}): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(streamId, events);
    if (isIdempotencyStream(streamId)) throw new InvalidEventError(`stream id ${streamId} is reserved for idempotency markers`);
    const normalised = events.map((e) => ({ ...e, data: toJsonValue(e.data), metadata: toJsonValue(e.metadata) }));
    const key = options.idempotencyKey ?? null;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attemptAppend(streamId, normalised, options.expectedRevision, key);
      if ('done' in outcome) return outcome.done;
      if (attempt >= this.maxAppendAttempts) throw toWrongExpectedRevision(streamId, options.expectedRevision, outcome.conflict);
      await sleep(Math.floor(Math.random() * 4 * attempt));
    }
  }

  /** The whole stream (or `maxCount` events), read page by page (`readPageSize` events a read) to its end. */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if ((options.maxCount !== undefined && options.maxCount <= 0) || streamId.startsWith('$') || isIdempotencyStream(streamId)) return [];
    let fromRevision = options.fromRevision;
    if (options.direction === 'backwards') {
      if (fromRevision !== undefined) {
        if (fromRevision < 0n) return [];
        const [last] = await this.readEsdbStream(streamId, BACKWARDS, END, 1);
        if (!last) return [];
        if (last.revision < fromRevision) fromRevision = last.revision;
      }
      const read = await readStreamInPages({ ...options, fromRevision }, this.readPageSize, (from, count) => this.readEsdbPage(streamId, BACKWARDS, from ?? END, count));
      return read.events;
    }
    if (fromRevision !== undefined && fromRevision < 0n) fromRevision = 0n;
    const read = await readStreamInPages({ ...options, fromRevision }, this.readPageSize, (from, count) => this.readEsdbPage(streamId, FORWARDS, from === undefined || from === 0n ? START : from, count));
    return read.events;
  }

  /** EventStoreDB reads one stream per call: the streams are read side by side, each whole. */
  async readStreams(streamIds: readonly string[]): Promise<ReadonlyMap<string, RecordedEvent[]>> {
    const ids = [...new Set(streamIds)];
    return new Map(await Promise.all(ids.map(async (id) => [id, await this.readStream(id)] as const)));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    const result: RecordedEvent[] = [];
    if (maxCount <= 0) return result;
    let floor = options.after ?? 0n;
    let from: ReadPosition = floor <= 0n ? START : { commit: floor, prepare: floor };
    const pageSize = Math.min(maxCount, LOG_PAGE) + 1;
    while (result.length < maxCount) {
      const page: AllStreamResolvedEvent[] = await drain(this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: pageSize }));
      const pageFloor: bigint = floor;
      for (const { event } of page) {
        if (!event || event.position.commit <= floor) continue;
        if (options.until !== undefined && event.position.commit > options.until) return result;
        floor = event.position.commit;
        from = event.position;
        if (!isLogEvent(event.streamId, event.type)) continue;
        if (options.eventTypes && !options.eventTypes.includes(event.type)) continue;
        result.push(fromEsdbEvent(event));
        if (result.length === maxCount) break;
      }
      if (page.length < pageSize || floor === pageFloor) break;
    }
    return result;
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    this.ensureLiveFeed();
    return new PollingSubscription(options, {
      read: (read) => this.readAll(read),
      headPosition: () => this.headPosition(),
      wakeup: this.wakeup,
      beforeWait: () => this.ensureLiveFeed(),
    });
  }

  async headPosition(): Promise<bigint> {
    let from: ReadPosition = END;
    let ceiling: bigint | null = null;
    for (;;) {
      const page: AllStreamResolvedEvent[] = await drain(this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: LOG_PAGE }));
      const pageCeiling: bigint | null = ceiling;
      for (const { event } of page) {
        if (!event || (ceiling !== null && event.position.commit >= ceiling)) continue;
        ceiling = event.position.commit;
        from = event.position;
        if (isLogEvent(event.streamId, event.type)) return event.position.commit;
      }
      if (page.length < LOG_PAGE || ceiling === pageCeiling) return 0n;
    }
  }

  async ping(): Promise<void> {
    await drain(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeup.close();
    const feed = this.liveFeed;
    this.liveFeed = null;
    if (feed) await feed.unsubscribe().catch(() => undefined);
    await this.client.dispose();
  }

  private async attemptAppend(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision, key: string | null): Promise<Attempt> {
    const marker = key === null ? null : await this.readMarker(key);
    if (key !== null && marker && marker.streamId !== streamId) throw new IdempotencyKeyConflictError(key);
    const stream = await this.readEsdbStream(streamId, FORWARDS, START, Number.MAX_SAFE_INTEGER);

    if (key !== null) {
      const earlier = findKeyedAppend(stream, key, marker);
      if (earlier) {
        if (!marker) await this.recordIdempotencyKey(key, streamId, earlier);
        return { done: replayResult(streamId, earlier) };
      }
    }
    const identical = findIdenticalAppend(stream, events.map((e) => e.eventId));
    if (identical) return { done: replayResult(streamId, identical) };

    const last = stream.length > 0 ? stream[stream.length - 1] : null;
    const current = last?.revision ?? null;
    checkExpectedRevision(streamId, expected, current);
    if (events.length === 0) {
      return { done: { streamId, nextExpectedRevision: current ?? -1n, firstPosition: 0n, lastPosition: 0n, events: [], replayed: false } };
    }

    const prepared = prepareEvents(streamId, events, key, current, last?.hash ?? null, this.clock.now().toISOString());
    try {
      const appended = await this.client.appendToStream(streamId, prepared.map(toEventData), { expectedRevision: toEsdbExpectedRevision(current) });
      if (!appended.success) return { conflict: { actualVersion: appended.nextExpectedRevision } };
    } catch (error) {
      if (isWrongExpectedVersion(error)) return { conflict: error };
      throw error;
    }

    const stored = await this.readEsdbStream(streamId, FORWARDS, prepared[0].revision, prepared.length);
    if (stored.length !== prepared.length || stored.some((e, i) => e.eventId !== prepared[i].eventId)) {
      throw new Error(`stream ${streamId}: the events read back after an append are not the ones appended`);
    }
    if (stored.some((e, i) => e.hash !== prepared[i].hash)) return { done: replayResult(streamId, stored) };

    if (key !== null) await this.recordIdempotencyKey(key, streamId, stored, true);
    const positions = stored.map((e) => e.globalPosition);
    return {
      done: {
        streamId,
        nextExpectedRevision: stored[stored.length - 1].revision,
        firstPosition: positions.reduce((min, p) => (p < min ? p : min)),
        lastPosition: positions.reduce((max, p) => (p > max ? p : max)),
        events: stored,
        replayed: false,
      },
    };
  }

  private async readMarker(key: string): Promise<IdempotencyMarker | null> {
    const [first] = await drain(this.client.readStream(idempotencyStreamName(key), { direction: FORWARDS, fromRevision: START, maxCount: 1 }));
    return first?.event ? parseMarker(first.event.data) : null;
  }

  /** Writes the key's marker; `strict` turns a marker already held by another stream into a conflict. */
  private async recordIdempotencyKey(key: string, streamId: string, events: readonly RecordedEvent[], strict = false): Promise<void> {
    const data = { idempotencyKey: key, streamId, eventIds: events.map((e) => e.eventId) };
    let recorded: boolean;
    try {
      const result = await this.client.appendToStream(
        idempotencyStreamName(key),
        { id: randomUUID(), contentType: 'application/json', type: MARKER_EVENT_TYPE, data, metadata: undefined },
        { expectedRevision: NO_STREAM },
      );
      recorded = result.success;
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
      recorded = false;
    }
    if (recorded || !strict) return;
    const holder = await this.readMarker(key);
    if (holder && holder.streamId !== streamId) throw new IdempotencyKeyConflictError(key);
  }

  private async readEsdbStream(streamId: string, direction: typeof FORWARDS | typeof BACKWARDS, fromRevision: ReadRevision, maxCount: number): Promise<RecordedEvent[]> {
    return (await this.readEsdbPage(streamId, direction, fromRevision, maxCount)).events;
  }

  private async readEsdbPage(streamId: string, direction: typeof FORWARDS | typeof BACKWARDS, fromRevision: ReadRevision, maxCount: number): Promise<{ events: RecordedEvent[]; rows: number }> {
    const resolved = await drain(this.client.readStream(streamId, { direction, fromRevision, maxCount }));
    const events: RecordedEvent[] = [];
    for (const { event } of resolved) if (event) events.push(fromEsdbEvent(event));
    return { events, rows: resolved.length };
  }

  private ensureLiveFeed(): void {
    if (this.liveFeed || this.closed) return;
    try {
      const feed = this.client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
      const drop = () => {
        if (this.liveFeed === feed) this.liveFeed = null;
      };
      feed.on('data', () => this.wakeup.wake());
      feed.on('error', drop);
      feed.on('close', drop);
      this.liveFeed = feed;
    } catch {
      // Polling still finds new events; the feed is tried again on the next wait.
    }
  }
}

/** Collects a read; a stream that does not exist reads as empty. */
async function drain<E>(read: StreamingRead<E>): Promise<E[]> {
  const out: E[] = [];
  try {
    for await (const item of read) out.push(item);
  } catch (error) {
    if (isStreamNotFound(error)) return [];
    throw error;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
