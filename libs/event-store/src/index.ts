export * from './port';
export * from './errors';
export * from './hashing';
export * from './append-validation';
export * from './polling-subscription';
export * from './postgres/migrator';
export * from './postgres/schema';
export * from './postgres/postgres-event-store';
export { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb/eventstoredb-event-store';
