import { Migration } from '@ipstd/event-store';

export const CHECKPOINTS_TABLE = 'projection_checkpoints';

/**
 * Only the checkpoint table is migrated. Read-model tables are disposable: each projection creates
 * its own from its definition, and a changed definition is rebuilt from the log (ADR 0004).
 */
export const READ_MODEL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'projection checkpoints',
    sql: `create table ${CHECKPOINTS_TABLE} (
            name text primary key,
            position bigint not null,
            definition text not null,
            updated_at timestamptz not null default now()
          )`,
  },
];
