import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../libs/platform/src/database/embedded-postgres';
import { postgresReachable as reachable } from '../../libs/platform/src/database/reachable';
import { freePort } from '../support/free-port';

/** The fresh database one bench run works in, and how to get rid of it afterwards. */
export interface BenchDatabase {
  readonly url: string;
  /** Where it is, for the report (no password). */
  readonly label: string;
  readonly source: 'BENCH_DATABASE_URL' | 'local PostgreSQL' | 'embedded PostgreSQL';
  dispose(): Promise<void>;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * BENCH_DATABASE_URL when set; else the PostgreSQL at 127.0.0.1:5432 when reachable; else an
 * embedded PostgreSQL in a temporary folder. On a server we may create databases on, a fresh
 * `bench_<timestamp>` database is created and dropped at the end; a BENCH_DATABASE_URL whose role
 * cannot create databases is used as it is, provided its event store is still empty.
 */
export async function resolveBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const name = `bench_${new Date().toISOString().replace(/\D/g, '').slice(0, 17)}`;
  const fromEnv = process.env.BENCH_DATABASE_URL?.trim();
  if (fromEnv) {
    if (!(await reachable(fromEnv))) throw new Error(`BENCH_DATABASE_URL is set but ${redact(fromEnv)} is not reachable`);
    try {
      return await freshDatabaseOn(fromEnv, name, 'BENCH_DATABASE_URL');
    } catch (error) {
      log(`cannot create a fresh database through BENCH_DATABASE_URL (${(error as Error).message}); using that database as it is`);
      await assertEmptyEventStore(fromEnv);
      return { url: fromEnv, label: redact(fromEnv), source: 'BENCH_DATABASE_URL', dispose: async () => undefined };
    }
  }
  if (await reachable(LOCAL_URL)) return freshDatabaseOn(LOCAL_URL, name, 'local PostgreSQL');
  log(`no PostgreSQL at ${LOCAL_URL}; starting an embedded PostgreSQL`);
  const dir = mkdtempSync(join(tmpdir(), 'ipstd-bench-pg-'));
  // When run as root the server runs as a 'postgres' system user, which must reach the folder.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const handle = await startEmbeddedPostgres({ dataDir: dir, tcpPort: port, database: name });
  return {
    url: handle.url,
    label: `embedded PostgreSQL on 127.0.0.1:${port}, database ${name} (${dir})`,
    source: 'embedded PostgreSQL',
    async dispose() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The URL of database `name` on the server of `serverUrl`. */
function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops database `name`, through a connection to the server of `serverUrl`. */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

async function freshDatabaseOn(serverUrl: string, name: string, source: BenchDatabase['source']): Promise<BenchDatabase> {
  const admin = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(serverUrl, name);
  return { url, label: redact(url), source, dispose: () => dropDatabase(serverUrl, name) };
}

async function assertEmptyEventStore(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>("select to_regclass('public.es_events') is not null as present");
    if (!rows[0].present) return;
    const { rows: count } = await client.query<{ n: string }>('select count(*) as n from es_events');
    if (count[0].n !== '0') throw new Error(`the database at ${redact(url)} already holds ${count[0].n} events: the bench needs a fresh one`);
  } finally {
    await client.end();
  }
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const openDatabases = new Set<ScratchDatabase>();

/** Drops every scratch database still open (the bench aborts). */
export async function disposeScratchDatabases(): Promise<void> {
  for (const database of [...openDatabases]) await database.dispose().catch(() => undefined);
}

export interface ScratchDatabase {
  readonly url: string;
  dispose(): Promise<void>;
}

/**
 * A new database `<bench database>_<suffix>` on the bench's server, dropped by dispose(). Where the
 * role may not create databases, the bench database itself is emptied instead (every table but
 * schema_migrations truncated, so the migrations need not run again).
 */
export async function freshDatabase(benchUrl: string, suffix: string, log: (line: string) => void): Promise<ScratchDatabase> {
  const bench = new URL(benchUrl);
  const name = `${decodeURIComponent(bench.pathname.slice(1)) || 'bench'}_${suffix}`.slice(0, 63);
  const admin = new Client({ connectionString: benchUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } catch (error) {
    log(`cannot create database ${name} (${(error as Error).message}); emptying the bench database for it instead`);
    const { rows } = await admin.query<{ t: string }>("select tablename as t from pg_tables where schemaname = 'public' and tablename <> 'schema_migrations'");
    if (rows.length) await admin.query(`truncate ${rows.map((r) => `"${r.t}"`).join(', ')} restart identity cascade`);
    return { url: benchUrl, dispose: async () => undefined };
  } finally {
    await admin.end();
  }
  const database: ScratchDatabase = {
    url: databaseUrl(benchUrl, name),
    async dispose() {
      if (openDatabases.delete(database)) await dropDatabase(benchUrl, name);
    },
  };
  openDatabases.add(database);
  return database;
}
