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
