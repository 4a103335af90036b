import { ClientBase } from 'pg';
import { AppendResult, RecordedEvent } from '@ipstd/event-store';
import { AppendPlan, AppendRequest, BatchSnapshot, StreamUpdate } from './append-planner';
import { EVENT_COLUMNS, EventRow, toRecordedEvent } from './event-rows';

/**
 * The statements of a batched append. Each is one round trip whatever the size of the batch, and
 * is prepared once per connection (named statements).
 */

/** Streams, event ids and idempotency keys the batch touches, as stored. Index lookups only. */
const SNAPSHOT = {
  name: 'es_append_snapshot_v1',
  text: `select 's' as kind, s.stream_id as id, s.revision::text as a, s.last_hash as b
           from unnest($1::text[]) as q(id) join es_streams s on s.stream_id = q.id
         union all
         select 'e', e.event_id::text, e.stream_id, e.stream_revision::text
           from unnest($2::uuid[]) as q(id) join es_events e on e.event_id = q.id
         union all
         select 'k', k.idempotency_key, k.stream_id, array_to_string(k.event_ids, ',')
           from unnest($3::text[]) as q(id) join es_idempotency k on k.idempotency_key = q.id`,
};

/**
 * Inserts the batch's new events (positions come from the identity, in row order), moves the
 * stream heads and records idempotency keys with the positions just assigned to their events.
 * With a guard, every write happens only if the guard finds no row (see WRITE_CHECKED).
 */
function writeStatement(guard: string | null): string {
  const unlessGuard = guard ? ' where not exists (select 1 from conflict)' : '';
  return `
  with ${guard ? `conflict as (${guard}), ` : ''}appended as (
    insert into es_events (event_id, stream_id, stream_revision, event_type, schema_version, data, metadata,
                           recorded_at, effective_at, correlation_id, idempotency_key, previous_hash, hash)
    select e.event_id, e.stream_id, e.stream_revision, e.event_type, e.schema_version, e.data, e.metadata,
           e.recorded_at, e.effective_at, e.correlation_id, e.idempotency_key, e.previous_hash, e.hash
      from json_to_recordset($1::json) as e(event_id uuid, stream_id text, stream_revision bigint, event_type text,
           schema_version int, data jsonb, metadata jsonb, recorded_at timestamptz, effective_at timestamptz,
           correlation_id text, idempotency_key text, previous_hash text, hash text)${unlessGuard}
    returning event_id, global_position
  ), streams as (
    insert into es_streams (stream_id, revision, last_hash, created_at, updated_at)
    select s.stream_id, s.revision, s.last_hash, s.created_at, s.updated_at
      from json_to_recordset($2::json) as s(stream_id text, revision bigint, last_hash text, created_at timestamptz, updated_at timestamptz)${unlessGuard}
    on conflict (stream_id) do update set revision = excluded.revision, last_hash = excluded.last_hash, updated_at = excluded.updated_at
  ), keys as (
    insert into es_idempotency (idempotency_key, stream_id, first_position, last_position, event_ids, created_at)
    select k.idempotency_key, k.stream_id, p.first_position, p.last_position, k.event_ids, k.created_at
      from json_to_recordset($3::json) as k(idempotency_key text, stream_id text, event_ids uuid[], created_at timestamptz)
      cross join lateral (select min(a.global_position) as first_position, max(a.global_position) as last_position
                            from appended a where a.event_id = any(k.event_ids)) p${unlessGuard}
  )
  select event_id::text, global_position::text from appended${guard ? '\n  union all\n  select null, null from conflict' : ''}`;
}

/** The write of a batch planned against the snapshot read in the same transaction. */
const WRITE = { name: 'es_append_write_v1', text: writeStatement(null) };

/**
 * The write of a batch planned against an assumed snapshot (the stream heads this process last
 * saw, no stored event ids, no stored keys). The guard checks that assumption against the
 * database in the same statement, under the append lock: when it holds, the plan is exactly the
 * one the stored state gives; when it does not, nothing is written and one row of nulls says so.
 */
const WRITE_CHECKED = {
  name: 'es_append_write_checked_v1',
  text: writeStatement(`
    select 1 from (
      select 1 from json_to_recordset($4::json) as a(stream_id text, revision bigint, last_hash text)
        left join es_streams s on s.stream_id = a.stream_id
       where (a.revision is null and s.stream_id is not null)
          or (a.revision is not null and (s.stream_id is null or s.revision <> a.revision or s.last_hash <> a.last_hash))
      union all
      select 1 from unnest($5::uuid[]) as q(id) join es_events e on e.event_id = q.id
      union all
      select 1 from unnest($6::text[]) as q(id) join es_idempotency k on k.idempotency_key = q.id
    ) as found limit 1`),
};

export async function readSnapshot(client: ClientBase, batch: readonly AppendRequest[]): Promise<BatchSnapshot> {
  const streamIds = new Set<string>();
  const eventIds = new Set<string>();
  const keys = new Set<string>();
  for (const request of batch) {
    streamIds.add(request.streamId);
    for (const event of request.events) eventIds.add(event.eventId);
    if (request.options.idempotencyKey != null) keys.add(request.options.idempotencyKey);
  }
  const { rows } = await client.query<{ kind: 's' | 'e' | 'k'; id: string; a: string; b: string }>({
    ...SNAPSHOT,
    values: [[...streamIds], [...eventIds], [...keys]],
  });
  const snapshot = { streams: new Map(), events: new Map(), keys: new Map() } satisfies BatchSnapshot;
  for (const row of rows) {
    if (row.kind === 's') snapshot.streams.set(row.id, { revision: BigInt(row.a), lastHash: row.b });
    else if (row.kind === 'e') snapshot.events.set(row.id, { streamId: row.a, revision: BigInt(row.b) });
    else snapshot.keys.set(row.id, { streamId: row.a, eventIds: row.b.split(',') });
  }
  return snapshot;
}

/** What a batch planned without reading assumed: these stream heads (null: no stream), and no stored event ids or keys. */
export interface Assumption {
  readonly streams: ReadonlyMap<string, { readonly revision: bigint; readonly lastHash: string } | null>;
  readonly eventIds: readonly string[];
  readonly keys: readonly string[];
}

/**
 * Inserts every new event of the batch, moves the stream heads and records the keys; returns the
 * positions. With an assumption, writes only if it holds, and returns null when it does not.
 */
export async function writeBatch(
  client: ClientBase,
  writes: ReadonlyArray<Extract<AppendPlan, { kind: 'write' }>>,
  streamUpdates: readonly StreamUpdate[],
  assumption: Assumption | null = null,
): Promise<Map<string, bigint> | null> {
  const events: object[] = [];
  const keys: object[] = [];
  for (const write of writes) {
    for (const r of write.records) {
      events.push({
        event_id: r.eventId,
        stream_id: r.streamId,
        stream_revision: r.revision.toString(),
        event_type: r.type,
        schema_version: r.schemaVersion,
        data: r.data,
        metadata: r.metadata,
        recorded_at: r.recordedAt,
        effective_at: r.metadata.effectiveAt,
        correlation_id: r.metadata.correlationId,
        idempotency_key: r.metadata.idempotencyKey,
        previous_hash: r.previousHash,
        hash: r.hash,
      });
    }
    if (write.key !== null) {
      keys.push({ idempotency_key: write.key, stream_id: write.streamId, event_ids: write.records.map((r) => r.eventId), created_at: write.recordedAt });
    }
  }
  const streams = streamUpdates.map((u) => ({
    stream_id: u.streamId,
    revision: u.revision.toString(),
    last_hash: u.lastHash,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  }));
  const values: unknown[] = [JSON.stringify(events), JSON.stringify(streams), JSON.stringify(keys)];
  if (assumption) {
    const assumed = [...assumption.streams].map(([streamId, head]) => ({ stream_id: streamId, revision: head?.revision.toString() ?? null, last_hash: head?.lastHash ?? null }));
    values.push(JSON.stringify(assumed), assumption.eventIds, assumption.keys);
  }
  const { rows } = await client.query<{ event_id: string | null; global_position: string | null }>({ ...(assumption ? WRITE_CHECKED : WRITE), values });
  if (rows.some((r) => r.event_id === null)) return null;
  return new Map(rows.map((r) => [r.event_id!, BigInt(r.global_position!)]));
}

/** Full envelopes of the events replayed appends answer with, unless this batch writes them. */
export async function readStoredReplays(client: ClientBase, plans: readonly AppendPlan[]): Promise<Map<string, RecordedEvent>> {
  const written = new Set<string>();
  for (const plan of plans) if (plan.kind === 'write') for (const r of plan.records) written.add(r.eventId);
  const wanted = new Set<string>();
  for (const plan of plans) if (plan.kind === 'replay') for (const id of plan.eventIds) if (!written.has(id)) wanted.add(id);
  if (wanted.size === 0) return new Map();
  const { rows } = await client.query<EventRow>(`select ${EVENT_COLUMNS} from es_events where event_id = any($1::uuid[])`, [[...wanted]]);
  return new Map(rows.map((row) => [row.event_id, toRecordedEvent(row)]));
}

export function outcomeOf(
  plan: AppendPlan,
  recorded: ReadonlyMap<string, RecordedEvent>,
  stored: ReadonlyMap<string, RecordedEvent>,
): { ok: AppendResult } | { error: unknown } {
  switch (plan.kind) {
    case 'error':
      return { error: plan.error };
    case 'empty':
      return { ok: { streamId: plan.streamId, nextExpectedRevision: plan.nextExpectedRevision, firstPosition: 0n, lastPosition: 0n, events: [], replayed: false } };
    case 'write': {
      const events = plan.records.map((r) => recorded.get(r.eventId)!);
      const positions = events.map((e) => e.globalPosition);
      const firstPosition = positions.reduce((min, p) => (p < min ? p : min));
      const lastPosition = positions.reduce((max, p) => (p > max ? p : max));
      return { ok: { streamId: plan.streamId, nextExpectedRevision: events[events.length - 1].revision, firstPosition, lastPosition, events, replayed: false } };
    }
    case 'replay': {
      const events = plan.eventIds
        .map((id) => recorded.get(id) ?? stored.get(id))
        .filter((e): e is RecordedEvent => e !== undefined)
        .sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
      if (events.length !== plan.eventIds.length) return { error: new Error(`event store: events of a replayed append are missing (stream ${plan.streamId})`) };
      const last = events[events.length - 1];
      return { ok: { streamId: plan.streamId, nextExpectedRevision: last.revision, firstPosition: events[0].globalPosition, lastPosition: last.globalPosition, events, replayed: true } };
    }
  }
}

/**
 * An error caused by the data of some append (SQLSTATE class 22, data exception, or 23, integrity
 * constraint violation), as opposed to the connection or the server: worth retrying the batch's
 * appends one by one so that only the culprit fails.
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
