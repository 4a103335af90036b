export * from './domain';
export * from './projections';
export * from './application/query-ledger/ledger-query';
export * from './application/reconcile-statement/reconciliation-query';
export * from './application/import-statement/statement-import';
export * from './finance.module';
export * from './application/import-statement/statement-tokenizer';
