export * from './port';
export * from './errors';
export * from './hashing';
export * from './append-validation';
export * from './polling-subscription';
export * from './read-pages';
