export * from './verify';
export * from './sealer/log-sealer';
export * from './export/log-reader';
export * from './export/log-export';
export * from './audit.options';
export * from './http/integrity.controller';
export * from './audit.module';
