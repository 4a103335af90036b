import { Client } from 'pg';
import { UuidV7Generator, systemClock } from '@ipstd/kernel';
import { EventStore, NewEvent, RecordedEvent } from '@ipstd/event-store';

const ids = new UuidV7Generator(systemClock);
const EFFECTIVE_AT = '2024-10-08T00:00:00.000Z';

/** Event type used by the bench: no projection handles it, so the projections only advance their checkpoints. */
export const BENCH_EVENT_TYPE = 'BenchEventRecorded';

/** A realistic, ~450-byte event (Chinese text, nested objects, an array), built fresh for every call. */
export function benchEvent(sequence: number): NewEvent {
  return {
    eventId: ids.next(),
    type: BENCH_EVENT_TYPE,
    schemaVersion: 1,
    data: {
      sequence,
      programmeId: 'suzhou-2024-ip-standards',
      enterprise: { name: '苏州工业园区示范科技有限公司', creditCode: '91320594MA1N2XYZ3Q', city: '320500' },
      amountFen: 1_250_000 + (sequence % 1000),
      standards: ['GB/T 1.1-2020', 'GB/T 20000.1-2014'],
      note: '知识产权与标准化融合试点项目申报材料',
    },
    metadata: {
      actor: { userId: 'bench-user', role: 'programme-admin', organisation: '320500' },
      correlationId: ids.next(),
      causationId: null,
      effectiveAt: EFFECTIVE_AT,
      idempotencyKey: null,
    },
  };
}

export interface Measurement {
  /** Units done (events, appends or rows). */
  readonly units: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
}

/**
 * Runs `workers` closed-loop callers for about `durationMs`: each calls `op` again as soon as the
 * previous call settles. The rate counts units of completed calls over the time until the last
 * caller finished its last call.
 */
export async function measureFor(
  durationMs: number,
  workers: number,
  op: (worker: number, iteration: number) => Promise<number>,
): Promise<Measurement> {
  const started = performance.now();
  const deadline = started + durationMs;
  let units = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        // Not `units += await op()`: that reads `units` before the await and loses other callers' counts.
        const done = await op(worker, i);
        units += done;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { units, elapsedMs, perSecond: (units / elapsedMs) * 1000 };
}

/** 1. One event per append, each to a new stream, `callers` callers at once. */
export function singleEventAppends(store: EventStore, run: string, durationMs: number, callers: number): Promise<Measurement> {
  return measureFor(durationMs, callers, async (w, i) => {
    await store.appendToStream(`bench1-${run}-${w}-${i}`, [benchEvent(i)], { expectedRevision: 'no-stream' });
    return 1;
  });
}

/** 2. Appends of one event to one stream, one after another, each with the exact expected revision. */
export function sequentialExactRevision(store: EventStore, run: string, durationMs: number): Promise<Measurement> {
  const stream = `bench2-${run}`;
  let revision: bigint | null = null;
  return measureFor(durationMs, 1, async (_, i) => {
    const result = await store.appendToStream(stream, [benchEvent(i)], { expectedRevision: revision ?? 'no-stream' });
    revision = result.nextExpectedRevision;
    return 1;
  });
}

/** 3. `size` events per append, each call to a new stream, `callers` callers at once; counts events. */
export function multiEventAppends(store: EventStore, run: string, durationMs: number, callers: number, size: number): Promise<Measurement> {
  return measureFor(durationMs, callers, async (w, i) => {
    const events = Array.from({ length: size }, (_, k) => benchEvent(i * size + k));
    await store.appendToStream(`bench3-${run}-${w}-${i}`, events, { expectedRevision: 'no-stream' });
    return size;
  });
}

export const RAW_TABLE_SQL = `create table if not exists bench_raw (
  id bigint generated always as identity primary key,
  event_id uuid not null unique,
  stream_id text not null,
  event_type text not null,
  data jsonb not null,
  metadata jsonb not null,
  recorded_at timestamptz not null
)`;

/**
 * 5. Baseline: plain single-row transactions through `pg`, one connection per caller:
 * BEGIN; INSERT one row (with jsonb) into bench_raw; COMMIT.
 */
export async function rawSingleRowCommits(url: string, run: string, durationMs: number, callers: number): Promise<Measurement> {
  const clients = await Promise.all(
    Array.from({ length: callers }, async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    return await measureFor(durationMs, callers, async (w, i) => {
      const client = clients[w];
      const event = benchEvent(i);
      await client.query('begin');
      await client.query(
        'insert into bench_raw (event_id, stream_id, event_type, data, metadata, recorded_at) values ($1, $2, $3, $4, $5, $6)',
        [event.eventId, `raw-${run}-${w}-${i}`, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), new Date().toISOString()],
      );
      await client.query('commit');
      return 1;
    });
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** Appends `total` events in appends of `size` events to new streams, `callers` at once, through the port. */
export async function fillLog(
  store: EventStore,
  total: number,
  size: number,
  callers: number,
  progress: (done: number) => void,
): Promise<Measurement> {
  let next = 0;
  let done = 0;
  let reported = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const count = Math.min(size, total - next);
        const chunk = next;
        next += count;
        const events = Array.from({ length: count }, (_, k) => benchEvent(chunk + k));
        await store.appendToStream(`fill-${chunk}`, events, { expectedRevision: 'no-stream' });
        done += count;
        if (done - reported >= 100_000) {
          reported = done;
          progress(done);
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { units: done, elapsedMs, perSecond: (done / elapsedMs) * 1000 };
}

/**
 * 4. Reads the whole log from the start through subscribeToAll until the subscription reports it
 * has caught up, checking that positions strictly increase.
 */
export async function catchUp(store: EventStore, expected: number, batchSize: number | undefined): Promise<Measurement & { batches: number }> {
  let seen = 0;
  let batches = 0;
  let last = 0n;
  const started = performance.now();
  let finishedAt = 0;
  let fail!: (error: unknown) => void;
  let finish!: () => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const subscription = store.subscribeToAll({
    after: 0n,
    batchSize,
    onBatch: async (events: readonly RecordedEvent[]) => {
      batches += 1;
      for (const event of events) {
        if (event.globalPosition <= last) throw new Error(`position ${event.globalPosition} after ${last}`);
        last = event.globalPosition;
      }
      seen += events.length;
    },
    onCaughtUp: () => {
      finishedAt = performance.now();
      finish();
    },
    onError: (error) => fail(error),
  });
  try {
    await finished;
  } finally {
    await subscription.stop();
  }
  const elapsedMs = finishedAt - started;
  if (seen !== expected) throw new Error(`catch-up saw ${seen} events, expected ${expected}`);
  return { units: seen, elapsedMs, perSecond: (seen / elapsedMs) * 1000, batches };
}
