import { Pool, PoolClient } from 'pg';
import { Clock, systemClock } from '@ipstd/kernel';
import {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
  SubscriptionOptions,
  toJsonValue,
  validateAppend,
  PollingSubscription,
  Wakeup,
  DEFAULT_READ_PAGE_SIZE,
  readStreamInPages,
} from '@ipstd/event-store';
import { AppendPlan, BatchSnapshot, StreamUpdate, planBatch } from './append-planner';
import { StreamHead, StreamHeads } from './stream-heads';
import { isDataError, outcomeOf, readSnapshot, readStoredReplays, writeBatch } from './append-statements';
import { AppendConnection, AppendConnections } from './append-connection';
import { EVENT_COLUMNS, EventRow, toRecordedEvent } from './event-rows';

/** Advisory lock held by every append transaction until it commits: positions are handed out in commit order. */
const APPEND_LOCK = 7_320_500_002;
const NOTIFY_CHANNEL = 'es_appended';

/**
 * Opens an append transaction: the lock first, so that every later statement reads what the
 * appends committed before it. The append statements look up at most a batch of keys, so the
 * right plan is always index lookups in a nested loop; they are prepared once per connection and
 * a cached generic plan must not keep a sequential scan chosen while the tables were small (or
 * never analyzed), hence the planner settings for the rest of the transaction.
 */
const BEGIN_APPEND = `begin; set local enable_seqscan = off; set local enable_hashjoin = off; set local enable_mergejoin = off; select pg_advisory_xact_lock(${APPEND_LOCK})`;

export interface PostgresEventStoreOptions {
  readonly clock?: Clock;
  /** Most appends committed together in one transaction when callers append concurrently. */
  readonly maxBatch?: number;
  /** Most events committed together in one transaction (an append larger than this still goes alone). */
  readonly maxBatchEvents?: number;
  /** How often an idle subscription looks for new events when no notification arrives. */
  readonly pollIntervalMs?: number;
  /** Events fetched per query when reading a stream (default 1,000); readStream pages until the stream ends. */
  readonly readPageSize?: number;
}

interface CommittedBatch {
  readonly plans: readonly AppendPlan[];
  readonly streamUpdates: readonly StreamUpdate[];
  readonly positions: ReadonlyMap<string, bigint>;
  /** Envelopes of stored events that replayed appends answer with. */
  readonly stored: ReadonlyMap<string, RecordedEvent>;
}

const isWrite = (plan: AppendPlan): plan is Extract<AppendPlan, { kind: 'write' }> => plan.kind === 'write';

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly options: AppendOptions;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * Production-grade PostgreSQL adapter.
 *
 * Concurrent appends from one process are gathered into one transaction: one commit, one WAL
 * flush and one or two network round trips (pipelined on a dedicated connection) for many
 * callers. Each append is decided on its own, in order, against the stored state of what the
 * batch touches and the appends before it in the batch, so one conflicting append fails alone.
 * Every append transaction takes a global advisory lock before it reads or writes anything and
 * holds it until commit, so global positions are assigned in commit order across processes
 * (ADR 0002).
 *
 * Its tables (EVENT_STORE_MIGRATIONS, APPEND_ONLY_MIGRATIONS in schema.ts) must exist first:
 * `migrateEventStore` of @ipstd/platform applies them.
 */
export class PostgresEventStore implements EventStore {
  private readonly clock: Clock;
  private readonly maxBatch: number;
  private readonly maxBatchEvents: number;
  private readonly readPageSize: number;
  private readonly queue: PendingAppend[] = [];
  private flushing = false;
  private flushScheduled = false;
  private readonly drainWaiters: Array<() => void> = [];
  private readonly connections: AppendConnections;
  private readonly heads = new StreamHeads();
  private listener: PoolClient | null = null;
  private listenerStarting: Promise<void> | null = null;
  private readonly wakeup: Wakeup;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxBatch = options.maxBatch ?? 256;
    this.maxBatchEvents = options.maxBatchEvents ?? 5000;
    this.readPageSize = options.readPageSize ?? DEFAULT_READ_PAGE_SIZE;
    this.wakeup = new Wakeup(options.pollIntervalMs ?? 500);
    this.connections = new AppendConnections(pool);
  }

  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    let normalised: NewEvent[];
    try {
      validateAppend(streamId, events);
      normalised = events.map((e) => ({ ...e, data: toJsonValue(e.data), metadata: toJsonValue(e.metadata) }));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events: normalised, options, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** The whole stream (or `maxCount` events), read page by page (`readPageSize` rows a query) to its end. */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const { events, reachedEnd } = await readStreamInPages(options, this.readPageSize, async (from, count) => {
      const { rows } = backwards
        ? await this.pool.query<EventRow>(
            `select ${EVENT_COLUMNS} from es_events where stream_id = $1 and ($2::bigint is null or stream_revision <= $2)
             order by stream_revision desc limit $3`,
            [streamId, from?.toString() ?? null, count],
          )
        : await this.pool.query<EventRow>(
            `select ${EVENT_COLUMNS} from es_events where stream_id = $1 and stream_revision >= $2
             order by stream_revision asc limit $3`,
            [streamId, (from ?? 0n).toString(), count],
          );
      return { events: rows.map(toRecordedEvent), rows: rows.length };
    });
    // A read that reached the end of the stream saw its head: a good guess for the next append.
    const head = backwards ? (options.fromRevision === undefined ? events[0] : undefined) : reachedEnd ? events[events.length - 1] : undefined;
    if (head) this.heads.offer(streamId, { revision: head.revision, lastHash: head.hash });
    return events;
  }

  /**
   * Several whole streams in one query (more only when together they are longer than a page): pages
   * of `readPageSize` rows in (stream, revision) order, each page resuming after the last row of the
   * one before, so no stream is cut and none is read twice.
   */
  async readStreams(streamIds: readonly string[]): Promise<ReadonlyMap<string, RecordedEvent[]>> {
    const ids = [...new Set(streamIds)];
    const streams = new Map<string, RecordedEvent[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return streams;
    let after: { streamId: string; revision: string } = { streamId: '', revision: '-1' };
    for (;;) {
      const { rows } = await this.pool.query<EventRow>(
        `select ${EVENT_COLUMNS} from es_events where stream_id = any($1) and (stream_id, stream_revision) > ($2, $3::bigint)
         order by stream_id, stream_revision limit $4`,
        [ids, after.streamId, after.revision, this.readPageSize],
      );
      for (const row of rows) streams.get(row.stream_id)!.push(toRecordedEvent(row));
      if (rows.length < this.readPageSize) break;
      const last = rows[rows.length - 1];
      after = { streamId: last.stream_id, revision: String(last.stream_revision) };
    }
    // Each stream was read to its end: its last event is a good guess for its next append.
    for (const [streamId, events] of streams) {
      const head = events[events.length - 1];
      if (head) this.heads.offer(streamId, { revision: head.revision, lastHash: head.hash });
    }
    return streams;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const params: unknown[] = [(options.after ?? 0n).toString(), options.maxCount ?? 1000];
    let where = 'global_position > $1';
    if (options.until !== undefined) where += ` and global_position <= $${params.push(options.until.toString())}`;
    if (options.eventTypes) where += ` and event_type = any($${params.push(options.eventTypes)})`;
    const { rows } = await this.pool.query<EventRow>(`select ${EVENT_COLUMNS} from es_events where ${where} order by global_position limit $2`, params);
    return rows.map(toRecordedEvent);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    void this.ensureListener();
    return new PollingSubscription(options, {
      read: (read) => this.readAll(read),
      headPosition: () => this.headPosition(),
      wakeup: this.wakeup,
    });
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ head: string | null }>('select max(global_position) as head from es_events');
    return BigInt(rows[0].head ?? 0);
  }

  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  /** Stops subscriptions from waiting, waits for queued appends and closes the store's own connections (not the pool). */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeup.close();
    // Appends after close still work, on pool clients, as long as the pool is open.
    this.connections.stopDedicated();
    if (this.listener) {
      const listener = this.listener;
      this.listener = null;
      await listener.query(`unlisten ${NOTIFY_CHANNEL}`).catch(() => undefined);
      listener.release();
    }
    if (this.flushing || this.flushScheduled || this.queue.length > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    await this.connections.close();
  }

  /** Starts the next batch once the current one is done and callers woken by it had a chance to queue again. */
  private scheduleFlush(): void {
    if (this.flushing || this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushQueue();
    });
  }

  private flushQueue(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    let take = 0;
    let events = 0;
    while (take < this.queue.length && take < this.maxBatch && (take === 0 || events + this.queue[take].events.length <= this.maxBatchEvents)) {
      events += this.queue[take].events.length;
      take += 1;
    }
    const batch = this.queue.splice(0, take);
    void this.commitBatch(batch).finally(() => {
      this.flushing = false;
      if (this.queue.length > 0) this.scheduleFlush();
      else this.drainWaiters.splice(0).forEach((resolve) => resolve());
    });
  }

  /**
   * Commits one batch in one transaction. Each append is decided in memory, in batch order,
   * against a snapshot of the streams, event ids and idempotency keys the batch touches (see
   * planBatch), so one that fails writes nothing and fails alone, without savepoints; all new
   * events, stream heads and keys are then written by one statement.
   *
   * Fast path, one round trip (pipelined): take the append lock, write with a statement that first
   * checks the snapshot the batch was planned on (the stream heads this process last saw, no
   * stored event ids or keys) and writes nothing when it does not hold, notify, commit.
   * Otherwise, two round trips: take the lock and read the snapshot; then write, read the events
   * of replayed appends, notify and commit.
   *
   * Should the write fail on the data (a constraint, or a value PostgreSQL refuses), the batch is
   * rolled back and its appends are retried one per transaction, so that only the culprit fails.
   */
  private async commitBatch(batch: PendingAppend[]): Promise<void> {
    let connection: AppendConnection;
    try {
      connection = await this.connections.acquire();
    } catch (error) {
      batch.forEach((p) => p.reject(error));
      return;
    }
    const { client } = connection;
    let outcomes: Array<{ ok: AppendResult } | { error: unknown }>;
    try {
      const committed = (await this.commitAssumed(connection, batch)) ?? (await this.commitRead(connection, batch));
      for (const u of committed.streamUpdates) this.heads.set(u.streamId, { revision: u.revision, lastHash: u.lastHash });
      const recorded = new Map<string, RecordedEvent>();
      for (const plan of committed.plans) {
        if (plan.kind === 'write') for (const r of plan.records) recorded.set(r.eventId, { ...r, globalPosition: committed.positions.get(r.eventId)! });
      }
      outcomes = committed.plans.map((plan) => outcomeOf(plan, recorded, committed.stored));
    } catch (error) {
      this.heads.forget(batch.map((p) => p.streamId));
      const rollback = await client.query('rollback').then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      connection.release(rollback);
      if (batch.length > 1 && isDataError(error)) {
        for (const pending of batch) await this.commitBatch([pending]);
      } else {
        batch.forEach((p) => p.reject(error));
      }
      return;
    }
    connection.release();
    outcomes.forEach((outcome, i) => ('ok' in outcome ? batch[i].resolve(outcome.ok) : batch[i].reject(outcome.error)));
  }

  /** The fast path; null when it does not apply or its assumption did not hold (then nothing was written). */
  private async commitAssumed(connection: AppendConnection, batch: readonly PendingAppend[]): Promise<CommittedBatch | null> {
    const streams = new Map<string, StreamHead | null>();
    const eventIds: string[] = [];
    const keys: string[] = [];
    for (const pending of batch) {
      if (!streams.has(pending.streamId)) {
        const head = this.heads.get(pending.streamId);
        const expected = pending.options.expectedRevision;
        // A stream this process has not seen is assumed new only where the caller expects that it may be.
        if (head) streams.set(pending.streamId, head);
        else if (expected === 'no-stream' || expected === 'any') streams.set(pending.streamId, null);
        else return null;
      }
      for (const event of pending.events) eventIds.push(event.eventId);
      if (pending.options.idempotencyKey != null) keys.push(pending.options.idempotencyKey);
    }
    const snapshot: BatchSnapshot = {
      streams: new Map([...streams].filter((entry): entry is [string, StreamHead] => entry[1] !== null)),
      events: new Map(),
      keys: new Map(),
    };
    const { plans, streamUpdates } = planBatch(batch, snapshot, () => this.clock.now());
    const writes = plans.filter(isWrite);
    if (writes.length === 0) return null;
    const { client } = connection;
    const [, positions] = await connection.run([
      () => client.query(BEGIN_APPEND),
      () => writeBatch(client, writes, streamUpdates, { streams, eventIds, keys }),
      () => client.query(`select pg_notify('${NOTIFY_CHANNEL}', ''); commit`),
    ]);
    return positions ? { plans, streamUpdates, positions, stored: new Map() } : null;
  }

  /** The general path: read the snapshot under the lock, then write. */
  private async commitRead(connection: AppendConnection, batch: readonly PendingAppend[]): Promise<CommittedBatch> {
    const { client } = connection;
    const [, snapshot] = await connection.run([
      () => client.query(BEGIN_APPEND),
      () => readSnapshot(client, batch),
    ]);
    for (const pending of batch) this.heads.set(pending.streamId, snapshot.streams.get(pending.streamId) ?? null);
    const { plans, streamUpdates } = planBatch(batch, snapshot, () => this.clock.now());
    const writes = plans.filter(isWrite);
    const [positions, stored] = await connection.run([
      () => (writes.length > 0 ? writeBatch(client, writes, streamUpdates) : Promise.resolve(new Map<string, bigint>())),
      () => readStoredReplays(client, plans),
      () => client.query(writes.length > 0 ? `select pg_notify('${NOTIFY_CHANNEL}', ''); commit` : 'commit'),
    ]);
    return { plans, streamUpdates, positions: positions!, stored };
  }

  private async ensureListener(): Promise<void> {
    if (this.listener || this.closed) return;
    this.listenerStarting ??= (async () => {
      try {
        const client = await this.pool.connect();
        client.on('notification', () => this.wakeup.wake());
        client.on('error', () => {
          if (this.listener === client) this.listener = null;
          this.listenerStarting = null;
        });
        await client.query(`listen ${NOTIFY_CHANNEL}`);
        if (this.closed) {
          client.release();
          return;
        }
        this.listener = client;
      } catch {
        // Polling still finds new events; the listener is retried by the next subscription.
        this.listenerStarting = null;
      }
    })();
    return this.listenerStarting;
  }
}
