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
} from '../port';
import { DuplicateEventIdError, EventStoreError, IdempotencyKeyConflictError } from '../errors';
import { hashEvent, toJsonValue } from '../hashing';
import { checkExpectedRevision, validateAppend } from '../append-validation';
import { PollingSubscription } from '../polling-subscription';
import { runMigrations } from './migrator';
import { EVENT_STORE_MIGRATIONS } from './schema';

/** Advisory lock held by every append transaction until it commits: positions are handed out in commit order. */
const APPEND_LOCK = 7_320_500_002;
const NOTIFY_CHANNEL = 'es_appended';

export interface PostgresEventStoreOptions {
  readonly clock?: Clock;
  /** Most appends committed together in one transaction when callers append concurrently. */
  readonly maxBatch?: number;
  /** How often an idle subscription looks for new events when no notification arrives. */
  readonly pollIntervalMs?: number;
}

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly options: AppendOptions;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_revision: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
  previous_hash: string | null;
  hash: string;
}

const EVENT_COLUMNS =
  'global_position, event_id, stream_id, stream_revision, event_type, schema_version, data, metadata, recorded_at, previous_hash, hash';

/**
 * Production-grade PostgreSQL adapter.
 *
 * Concurrent appends from one process are gathered into one transaction (each in its own
 * savepoint, so one conflicting append fails alone): one commit, one WAL flush, for many callers.
 * Every append transaction holds a global advisory lock from its first write until commit, so
 * global positions are assigned in commit order across processes (ADR 0002).
 */
export class PostgresEventStore implements EventStore {
  private readonly clock: Clock;
  private readonly maxBatch: number;
  private readonly pollIntervalMs: number;
  private readonly queue: PendingAppend[] = [];
  private flushing = false;
  private listener: PoolClient | null = null;
  private listenerStarting: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxBatch = options.maxBatch ?? 256;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  /** Creates or upgrades the event-store tables. */
  async migrate(): Promise<number[]> {
    return runMigrations(this.pool, 'event-store', EVENT_STORE_MIGRATIONS);
  }

  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    try {
      validateAppend(streamId, events);
    } catch (error) {
      return Promise.reject(error);
    }
    const normalised = events.map((e) => ({ ...e, data: toJsonValue(e.data), metadata: toJsonValue(e.metadata) }));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events: normalised, options, resolve, reject });
      this.flushQueue();
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? 10_000;
    const from = options.fromRevision;
    const { rows } = backwards
      ? await this.pool.query<EventRow>(
          `select ${EVENT_COLUMNS} from es_events where stream_id = $1 and ($2::bigint is null or stream_revision <= $2)
           order by stream_revision desc limit $3`,
          [streamId, from?.toString() ?? null, limit],
        )
      : await this.pool.query<EventRow>(
          `select ${EVENT_COLUMNS} from es_events where stream_id = $1 and stream_revision >= $2
           order by stream_revision asc limit $3`,
          [streamId, (from ?? 0n).toString(), limit],
        );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `select ${EVENT_COLUMNS} from es_events where global_position > $1 order by global_position limit $2`,
      [(options.after ?? 0n).toString(), options.maxCount ?? 1000],
    );
    return rows.map(toRecordedEvent);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    void this.ensureListener();
    return new PollingSubscription(options, {
      read: (after, maxCount) => this.readAll({ after, maxCount }),
      waitForNew: () => this.waitForNotification(),
    });
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ head: string | null }>('select max(global_position) as head from es_events');
    return BigInt(rows[0].head ?? 0);
  }

  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    if (this.listener) {
      const listener = this.listener;
      this.listener = null;
      await listener.query(`unlisten ${NOTIFY_CHANNEL}`).catch(() => undefined);
      listener.release();
    }
  }

  private flushQueue(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue.splice(0, this.maxBatch);
    void this.commitBatch(batch).finally(() => {
      this.flushing = false;
      this.flushQueue();
    });
  }

  private async commitBatch(batch: PendingAppend[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      batch.forEach((p) => p.reject(error));
      return;
    }
    const outcomes: Array<{ ok: AppendResult } | { error: unknown }> = [];
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const useSavepoints = batch.length > 1;
      let appended = false;
      for (const pending of batch) {
        if (useSavepoints) await client.query('savepoint append');
        try {
          const result = await this.appendOne(client, pending);
          appended ||= !result.replayed && result.events.length > 0;
          outcomes.push({ ok: result });
          if (useSavepoints) await client.query('release savepoint append');
        } catch (error) {
          if (!(error instanceof EventStoreError)) throw error;
          if (useSavepoints) await client.query('rollback to savepoint append');
          outcomes.push({ error });
        }
      }
      if (appended) await client.query(`select pg_notify('${NOTIFY_CHANNEL}', '')`);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      client.release();
      batch.forEach((p) => p.reject(error));
      return;
    }
    client.release();
    outcomes.forEach((outcome, i) => ('ok' in outcome ? batch[i].resolve(outcome.ok) : batch[i].reject(outcome.error)));
  }

  private async appendOne(client: PoolClient, pending: PendingAppend): Promise<AppendResult> {
    const { streamId, events, options } = pending;
    const key = options.idempotencyKey ?? null;
    if (key !== null) {
      const earlier = await this.findByIdempotencyKey(client, key, streamId);
      if (earlier) return earlier;
    }
    const earlier = await this.findIdenticalAppend(client, streamId, events);
    if (earlier) return earlier;

    const { rows: streamRows } = await client.query<{ revision: string; last_hash: string }>(
      'select revision, last_hash from es_streams where stream_id = $1',
      [streamId],
    );
    const current = streamRows.length ? BigInt(streamRows[0].revision) : null;
    checkExpectedRevision(streamId, options.expectedRevision, current);
    if (events.length === 0) {
      return { streamId, nextExpectedRevision: current ?? -1n, firstPosition: 0n, lastPosition: 0n, events: [], replayed: false };
    }

    const recordedAt = this.clock.now().toISOString();
    let previousHash = streamRows.length ? streamRows[0].last_hash : null;
    let revision = current === null ? 0n : current + 1n;
    const prepared = events.map((event) => {
      const metadata = { ...event.metadata, idempotencyKey: key ?? event.metadata.idempotencyKey ?? null };
      const hash = hashEvent({
        streamId,
        revision,
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data,
        metadata,
        recordedAt,
        previousHash,
      });
      const record = { ...event, metadata, streamId, revision, recordedAt, previousHash, hash };
      previousHash = hash;
      revision += 1n;
      return record;
    });

    const { rows: inserted } = await client.query<{ event_id: string; global_position: string }>(
      `insert into es_events (event_id, stream_id, stream_revision, event_type, schema_version, data, metadata,
                              recorded_at, effective_at, correlation_id, idempotency_key, previous_hash, hash)
       select * from unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[],
                            $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[])
       returning event_id, global_position`,
      [
        prepared.map((e) => e.eventId),
        prepared.map((e) => e.streamId),
        prepared.map((e) => e.revision.toString()),
        prepared.map((e) => e.type),
        prepared.map((e) => e.schemaVersion),
        prepared.map((e) => JSON.stringify(e.data)),
        prepared.map((e) => JSON.stringify(e.metadata)),
        prepared.map((e) => e.recordedAt),
        prepared.map((e) => e.metadata.effectiveAt),
        prepared.map((e) => e.metadata.correlationId),
        prepared.map((e) => e.metadata.idempotencyKey),
        prepared.map((e) => e.previousHash),
        prepared.map((e) => e.hash),
      ],
    );
    const positions = new Map(inserted.map((r) => [r.event_id, BigInt(r.global_position)]));
    const recorded: RecordedEvent[] = prepared.map((e) => ({ ...e, globalPosition: positions.get(e.eventId)! }));
    const last = recorded[recorded.length - 1];
    await client.query(
      `insert into es_streams (stream_id, revision, last_hash, created_at, updated_at) values ($1, $2, $3, $4, $4)
       on conflict (stream_id) do update set revision = excluded.revision, last_hash = excluded.last_hash, updated_at = excluded.updated_at`,
      [streamId, last.revision.toString(), last.hash, recordedAt],
    );
    const firstPosition = recorded.reduce((min, e) => (e.globalPosition < min ? e.globalPosition : min), last.globalPosition);
    const lastPosition = recorded.reduce((max, e) => (e.globalPosition > max ? e.globalPosition : max), 0n);
    if (key !== null) {
      await client.query(
        `insert into es_idempotency (idempotency_key, stream_id, first_position, last_position, event_ids, created_at)
         values ($1, $2, $3, $4, $5::uuid[], $6)`,
        [key, streamId, firstPosition.toString(), lastPosition.toString(), recorded.map((e) => e.eventId), recordedAt],
      );
    }
    return { streamId, nextExpectedRevision: last.revision, firstPosition, lastPosition, events: recorded, replayed: false };
  }

  private async findByIdempotencyKey(client: PoolClient, key: string, streamId: string): Promise<AppendResult | null> {
    const { rows } = await client.query<{ stream_id: string; event_ids: string[] }>(
      'select stream_id, event_ids from es_idempotency where idempotency_key = $1',
      [key],
    );
    if (rows.length === 0) return null;
    if (rows[0].stream_id !== streamId) throw new IdempotencyKeyConflictError(key);
    return this.replayOf(client, streamId, rows[0].event_ids);
  }

  /** The same event ids appended again to the same stream in the same order: a retry, answered with the first result. */
  private async findIdenticalAppend(client: PoolClient, streamId: string, events: readonly NewEvent[]): Promise<AppendResult | null> {
    if (events.length === 0) return null;
    const ids = events.map((e) => e.eventId);
    const { rows } = await client.query<{ event_id: string; stream_id: string; stream_revision: string }>(
      'select event_id, stream_id, stream_revision from es_events where event_id = any($1::uuid[]) order by stream_revision',
      [ids],
    );
    if (rows.length === 0) return null;
    const identical =
      rows.length === ids.length &&
      rows.every((r, i) => r.stream_id === streamId && r.event_id === ids[i] && (i === 0 || BigInt(r.stream_revision) === BigInt(rows[i - 1].stream_revision) + 1n));
    if (!identical) throw new DuplicateEventIdError(rows[0].event_id);
    return this.replayOf(client, streamId, ids);
  }

  private async replayOf(client: PoolClient, streamId: string, eventIds: readonly string[]): Promise<AppendResult> {
    const { rows } = await client.query<EventRow>(
      `select ${EVENT_COLUMNS} from es_events where event_id = any($1::uuid[]) order by stream_revision`,
      [eventIds],
    );
    const events = rows.map(toRecordedEvent);
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

  private async ensureListener(): Promise<void> {
    if (this.listener || this.closed) return;
    this.listenerStarting ??= (async () => {
      try {
        const client = await this.pool.connect();
        client.on('notification', () => this.wakeWaiters());
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

  private wakeWaiters(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    waiting.forEach((wake) => wake());
  }

  private waitForNotification(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: BigInt(row.stream_revision),
    globalPosition: BigInt(row.global_position),
    recordedAt: row.recorded_at.toISOString(),
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
