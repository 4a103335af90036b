import { Pool } from 'pg';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATION_LOCK = 7_320_500_001;

/**
 * Applies numbered migrations of one component once each, in order, each in its own transaction,
 * serialised across processes by an advisory lock. Applied migrations are listed in schema_migrations.
 */
export async function runMigrations(pool: Pool, component: string, migrations: readonly Migration[]): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`create table if not exists schema_migrations (
      component text not null,
      version int not null,
      name text not null,
      applied_at timestamptz not null default now(),
      primary key (component, version))`);
    const { rows } = await client.query<{ version: number }>(
      'select version from schema_migrations where component = $1',
      [component],
    );
    const done = new Set(rows.map((r) => r.version));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query('insert into schema_migrations (component, version, name) values ($1, $2, $3)', [
          component,
          migration.version,
          migration.name,
        ]);
        await client.query('commit');
        applied.push(migration.version);
      } catch (error) {
        await client.query('rollback');
        throw new Error(`migration ${component} ${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}
