import { ClientConfig, Pool } from 'pg';
import { Clock } from '@ipstd/kernel';
import { EventStore } from '@ipstd/event-store';
import { APPEND_ONLY_MIGRATIONS, EVENT_STORE_MIGRATIONS, PostgresEventStore, currentRole, grantEventStoreAccess } from '@ipstd/event-store-postgres';
import { EventStoreDbEventStore } from '@ipstd/event-store-eventstoredb';
import { AppConfig } from '../config/config';
import { runMigrations } from './migrator';

/**
 * The platform's store selection: the one module of the libs that picks an event-store adapter
 * (EVENT_STORE=postgres|eventstoredb). Everything else depends on the port (@ipstd/event-store);
 * .dependency-cruiser.cjs (rule only-composition-picks-an-adapter) lets only this module, apps/,
 * scripts/ and tests import an adapter package.
 */
export async function createEventStore(config: AppConfig, pool: Pool, clock: Clock, owner: ClientConfig | null): Promise<EventStore> {
  if (config.eventStore === 'eventstoredb') {
    return EventStoreDbEventStore.fromConnectionString(config.eventStoreDbUrl!, { clock, pollIntervalMs: config.projectionPollMs });
  }
  const store = new PostgresEventStore(pool, { clock, pollIntervalMs: config.projectionPollMs });
  if (owner) await migrateAsOwner(owner, pool);
  else await migrateEventStore(pool);
  return store;
}

/**
 * Creates or upgrades the PostgreSQL event store's tables (returns the versions applied), then makes
 * es_events append-only. The adapter owns the schema (@ipstd/event-store-postgres schema.ts); the
 * platform's migrator applies it, like every other lib's schema. Run by the owner role when the
 * application connects as another role (see migrateAsOwner).
 */
export async function migrateEventStore(pool: Pool): Promise<number[]> {
  const applied = await runMigrations(pool, 'event-store', EVENT_STORE_MIGRATIONS);
  await runMigrations(pool, 'event-store-append-only', APPEND_ONLY_MIGRATIONS);
  return applied;
}

/**
 * The event store's migrations run as the owner role, which then grants the application's role
 * (the pool's user) SELECT and INSERT on es_events and nothing more (issue 14 item 5; docs/runbook.md
 * "Database roles"). When both connect as the same role there is nothing to grant.
 */
export async function migrateAsOwner(owner: ClientConfig, appPool: Pool): Promise<void> {
  const ownerPool = new Pool({ ...owner, max: 2 });
  ownerPool.on('error', () => undefined);
  try {
    await migrateEventStore(ownerPool);
    const [app, self] = await Promise.all([currentRole(appPool), currentRole(ownerPool)]);
    if (app !== self) await grantEventStoreAccess(ownerPool, app);
  } finally {
    await ownerPool.end();
  }
}
