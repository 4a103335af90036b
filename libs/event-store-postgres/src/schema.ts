/**
 * One numbered step of the event store's schema. The adapter owns its schema as data; the platform's
 * migrator (`runMigrations`, libs/platform/src/database/migrator.ts) applies it, through
 * `migrateEventStore` in the platform's store-selection module. Declared here in the migrator's shape
 * (TypeScript checks the two agree where they meet) because the adapter may not import the platform:
 * the platform is what selects the adapter.
 */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Event store schema. Positions come from an identity column and are allocated only while the
 * append lock is held (see ADR 0002), so global positions are in commit order and a reader that
 * reads by position never skips an event that commits late.
 */
export const EVENT_STORE_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'events, streams, idempotency',
    sql: `
      create table es_streams (
        stream_id text primary key,
        revision bigint not null,
        last_hash text not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );

      create table es_events (
        global_position bigint generated always as identity primary key,
        event_id uuid not null,
        stream_id text not null,
        stream_revision bigint not null,
        event_type text not null,
        schema_version int not null,
        data jsonb not null,
        metadata jsonb not null,
        recorded_at timestamptz not null,
        effective_at timestamptz not null,
        correlation_id text not null,
        idempotency_key text,
        previous_hash text,
        hash text not null,
        constraint es_events_event_id_uk unique (event_id),
        constraint es_events_stream_revision_uk unique (stream_id, stream_revision)
      );
      create index es_events_type_idx on es_events (event_type, global_position);
      create index es_events_correlation_idx on es_events (correlation_id);
      create index es_events_recorded_at_idx on es_events using brin (recorded_at);

      create table es_idempotency (
        idempotency_key text primary key,
        stream_id text not null,
        first_position bigint not null,
        last_position bigint not null,
        event_ids uuid[] not null,
        created_at timestamptz not null
      );
    `,
  },
];

/**
 * es_events is append-only (issue 14 item 5, first part): a trigger refuses UPDATE, DELETE and
 * TRUNCATE for every role. A separate migration component, so it numbers independently of the
 * tables. It stops mistakes and injected statements; a superuser (session_replication_role =
 * replica) or the table's owner (who may disable triggers) can still bypass it, which is why the
 * signed Merkle checkpoints (docs/audit.md §8) do not rely on it.
 */
export const APPEND_ONLY_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'es_events refuses update, delete and truncate',
    sql: `
      create function es_events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'es_events is append-only: % refused', tg_op using errcode = '42501';
      end
      $$;
      create trigger es_events_no_update_delete before update or delete on es_events
        for each row execute function es_events_append_only();
      create trigger es_events_no_truncate before truncate on es_events
        for each statement execute function es_events_append_only();
    `,
  },
];
