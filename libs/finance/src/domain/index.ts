export * from './yuan';
export * from './statement-csv';
export * from './events';
