export * from './schema';
export * from './postgres-event-store';
export * from './roles';
