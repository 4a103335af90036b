export * from './domain';
export * from './applications.module';
