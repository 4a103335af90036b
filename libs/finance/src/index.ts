export * from './domain';
export * from './projections';
export * from './application/ledger-query';
export * from './application/reconciliation-query';
export * from './application/statement-import';
export * from './finance.module';
export * from './application/statement-tokenizer';
