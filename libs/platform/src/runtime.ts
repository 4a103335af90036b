import { ClientConfig, Pool } from 'pg';
import { Logger } from 'pino';
import { Clock, IdGenerator, UuidV7Generator, systemClock } from '@ipstd/kernel';
import { EventStore } from '@ipstd/event-store';
import { runMigrations } from './database/migrator';
import { createEventStore } from './database/event-store';
import { AppConfig } from './config/config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './database/embedded-postgres';
import { TokenKeys, jwksKeys, secretKeys } from './auth/jwt';
import { loadOrCreateSigningKey } from './auth/key-store';
import { HTTP_IDEMPOTENCY_MIGRATIONS } from './http/idempotency';
import { createLogger } from './observability/logger';

/** The infrastructure a process runs on, built once before Nest starts and closed after it stops. */
export interface Runtime {
  readonly config: AppConfig;
  readonly pool: Pool;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Token verification keys: the HS256 secret, or the identity provider's JWKS. */
  readonly tokenKeys: TokenKeys;
  /** The process's pino logger (redacting, JSON lines); nestjs-pino binds each request's correlation id to it. */
  readonly logger: Logger;
  /** Where the database is, for the start-up banner (no password). */
  readonly databaseLabel: string;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  readonly clock?: Clock;
  readonly pool?: Pool;
  readonly store?: EventStore;
  readonly log?: (line: string) => void;
  /** Start-up notes the operator should see (a leftover embedded PostgreSQL stopped, a socket moved). */
  readonly notice?: (line: string) => void;
  /** The logger to use (tests pass a silent or capturing one); by default one at LOG_LEVEL on stdout/stderr. */
  readonly logger?: Logger;
  /** False when the caller shuts down on signals itself (see startEmbeddedPostgres). */
  readonly packageHandlesSignals?: boolean;
}

export async function createRuntime(config: AppConfig, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const clock = overrides.clock ?? systemClock;
  let embedded: EmbeddedPostgresHandle | null = null;
  let pool = overrides.pool;
  let databaseLabel = 'provided pool';
  /** Where the owner role connects to run the event store's migrations; null: as the application's pool. */
  let owner: ClientConfig | null = null;
  if (!pool) {
    let url = config.databaseUrl;
    if (url) {
      databaseLabel = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
      if (config.migrationDatabaseUrl) owner = { connectionString: config.migrationDatabaseUrl };
    } else {
      embedded = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        tcpPort: config.embeddedPostgresPort,
        log: overrides.log,
        notice: overrides.notice ?? overrides.log,
        packageHandlesSignals: overrides.packageHandlesSignals,
      });
      databaseLabel = embedded.label;
      owner = embedded.ownerConnection;
    }
    pool = embedded ? new Pool({ ...embedded.appConnection, max: 20 }) : new Pool({ connectionString: url!, max: 20 });
  }
  const ownedPool = !overrides.pool;
  pool.on('error', (error) => overrides.log?.(`idle PostgreSQL client error: ${error.message}`));
  let store = overrides.store;
  let tokenKeys: TokenKeys;
  try {
    if (!store) store = await createEventStore(config, pool, clock, owner);
    await runMigrations(pool, 'http', HTTP_IDEMPOTENCY_MIGRATIONS);
    tokenKeys = config.auth.jwksUrl
      ? jwksKeys(config.auth.jwksUrl, { cacheMaxAgeSeconds: config.auth.jwksCacheSeconds, cooldownSeconds: config.auth.jwksCooldownSeconds })
      : secretKeys(config.auth.hs256Secret ? Buffer.from(config.auth.hs256Secret) : loadOrCreateSigningKey(config.dataDir));
  } catch (error) {
    // Whatever was started is stopped again: a failed start leaves no embedded PostgreSQL behind.
    if (store && store !== overrides.store) await store.close().catch(() => undefined);
    if (ownedPool) await pool.end().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    throw error;
  }
  const finalStore = store;
  return {
    config,
    pool,
    store: finalStore,
    clock,
    ids: new UuidV7Generator(clock),
    tokenKeys,
    logger: overrides.logger ?? createLogger(config.logLevel),
    databaseLabel,
    async close() {
      await finalStore.close();
      if (ownedPool) await pool!.end();
      if (embedded) await embedded.stop();
    },
  };
}
