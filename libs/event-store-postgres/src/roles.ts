import { Pool } from 'pg';

/**
 * The tables of the event store that the owner role keeps (issue 14 item 5). The application role
 * may read es_events and add rows to it, never change or remove one: privileges (this grant) and
 * the refusing trigger (APPEND_ONLY_MIGRATIONS) both say no, and the application is not the owner,
 * so it cannot disable the trigger or grant itself more.
 */
export const OWNER_TABLES = ['es_events', 'es_streams', 'es_idempotency', 'schema_migrations'] as const;

/**
 * Run as the owner role after its migrations: what the application role (`appRole`) may do on the
 * owner's tables. Idempotent; run at every start so that a table added by a later migration is
 * granted too.
 *
 * - es_events: SELECT, INSERT (UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER revoked);
 * - es_streams: SELECT, INSERT, UPDATE (a stream's head moves with each append);
 * - es_idempotency: SELECT, INSERT;
 * - schema_migrations: SELECT, INSERT (other components' migrations run as the application).
 */
export async function grantEventStoreAccess(ownerPool: Pool, appRole: string): Promise<void> {
  const role = quoteIdent(appRole);
  await ownerPool.query(`
    revoke all on table es_events, es_streams, es_idempotency, schema_migrations from ${role};
    grant select, insert on table es_events to ${role};
    grant select, insert, update on table es_streams to ${role};
    grant select, insert on table es_idempotency to ${role};
    grant select, insert on table schema_migrations to ${role};
  `);
}

/** The role a pool's connections log in as. */
export async function currentRole(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ role: string }>('select current_user as role');
  return rows[0].role;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
