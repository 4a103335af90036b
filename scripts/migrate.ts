import 'reflect-metadata';
import { ConfigError, ProjectionRunner, StartupError, createLogger, createRuntime, exitOnStartupFailure, loadConfig, migrateCheckpoints, runMigrations } from '@ipstd/platform';
import { ELIGIBILITY_REASSESSOR_MIGRATIONS, SELECTION_RECONCILER_MIGRATIONS } from '@ipstd/applications';
import { MerkleLog, WitnessCosignatures } from '@ipstd/audit';
import { GRANT_AWARDER_MIGRATIONS } from '@ipstd/grants';
import { ALL_PROJECTIONS } from '@ipstd/read-models';

/**
 * `npm run migrate` (deploy/k8s: the ipstd-migrate Job): applies every context's schema migrations
 * to DATABASE_URL and exits, so that replicas starting together find their tables in place. Every
 * process still applies its own migrations at start (each under one advisory lock, so this is safe
 * while services run); this step makes the order explicit and takes the read-model tables (and a
 * rebuild of a projection whose version or definition changed) out of the replicas' start-up.
 *
 * Applied: the event store (EVENT_STORE=postgres), stored Idempotency-Key responses, the read
 * models and their checkpoints, the audit Merkle tree and witness cosignatures, and the tables of the selection reconciler,
 * the eligibility re-assessor and the grant awarder (public notices awaiting their end). The subscription workers' checkpoint table is created by the
 * workers themselves at start.
 *
 * Exit status: 0 done, 1 a migration failed, 2 the configuration is invalid or names no DATABASE_URL.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new StartupError(error.message, 2);
    throw error;
  }
  if (!config.databaseUrl) throw new StartupError('DATABASE_URL is not set: `npm run migrate` migrates an external PostgreSQL (the embedded default migrates itself at start)', 2);
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  // The runtime applies the event store's (as the owner role when MIGRATION_DATABASE_URL is set, which
  // then grants DATABASE_URL's role its share) and the HTTP layer's migrations while it is built.
  const runtime = await createRuntime(config, { logger, packageHandlesSignals: false });
  try {
    await runMigrations(runtime.pool, 'selection-reconciler', SELECTION_RECONCILER_MIGRATIONS);
    await runMigrations(runtime.pool, 'eligibility-reassessor', ELIGIBILITY_REASSESSOR_MIGRATIONS);
    await runMigrations(runtime.pool, 'grant-awarder', GRANT_AWARDER_MIGRATIONS);
    await new MerkleLog(runtime.pool, runtime.store).migrate();
    await new WitnessCosignatures(runtime.pool).migrate();
    // The checkpoint store of every consumer of the log, then the read models' tables.
    await migrateCheckpoints(runtime.pool);
    await new ProjectionRunner(runtime.pool, runtime.store, ALL_PROJECTIONS).prepare();
    const { rows } = await runtime.pool.query<{ component: string; version: number }>('select component, max(version) as version from schema_migrations group by component order by component');
    logger.info({ context: 'migrate', database: runtime.databaseLabel, ms: Date.now() - started, components: Object.fromEntries(rows.map((r) => [r.component, r.version])) }, 'migrations applied');
  } finally {
    await runtime.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => exitOnStartupFailure(error),
);
