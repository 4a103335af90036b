import { randomBytes } from 'node:crypto';
import { Client, Pool, QueryResult } from 'pg';
import { inTransaction } from '@ipstd/platform';

export interface TestDatabase {
  readonly url: string;
  readonly pool: Pool;
  /**
   * Runs a statement as an attacker with superuser rights would: with triggers off
   * (session_replication_role = replica), so es_events' append-only trigger does not refuse it.
   */
  tamper(sql: string, params?: unknown[]): Promise<QueryResult>;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through jest (its global setup resolves PostgreSQL)');
  return url;
}

/** A fresh, empty database on the resolved test server, so that every suite starts from nothing. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 20 });
  // Dropping the database terminates its idle connections; that is expected here, not a failure.
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    pool,
    tamper(sql, params) {
      // As an attacker with superuser rights would: triggers (the append-only guard) switched off.
      return inTransaction(pool, async (client) => {
        await client.query('set local session_replication_role = replica');
        return client.query(sql, params);
      });
    },
    async drop() {
      await pool.end();
      const client = new Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}

export interface TestRoles {
  /** The owner role: owns the schema, runs the event store's migrations (MIGRATION_DATABASE_URL). */
  readonly ownerUrl: string;
  /** The application role (DATABASE_URL). */
  readonly appUrl: string;
  readonly owner: string;
  readonly app: string;
  drop(): Promise<void>;
}

/**
 * An owner and an application role for a test database, set up as docs/runbook.md ("Database roles")
 * tells a database administrator to: the owner owns the schema, the application may create its own
 * tables in it. Roles are cluster-wide, so each test gets its own names; drop() removes them (after
 * the database is dropped).
 */
export async function createTestRoles(db: TestDatabase): Promise<TestRoles> {
  const suffix = randomBytes(4).toString('hex');
  const owner = `t_owner_${suffix}`;
  const app = `t_app_${suffix}`;
  await db.pool.query(`create role ${owner} login password 'owner'; create role ${app} login password 'app';
    alter schema public owner to ${owner}; grant usage, create on schema public to ${app}`);
  const as = (user: string, password: string) => {
    const url = new URL(db.url);
    url.username = user;
    url.password = password;
    return url.toString();
  };
  return {
    ownerUrl: as(owner, 'owner'),
    appUrl: as(app, 'app'),
    owner,
    app,
    async drop() {
      const client = new Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`drop role if exists ${app}; drop role if exists ${owner}`);
      await client.end();
    },
  };
}
