export * from './checkpoint';
export * from './verifier';
export * from './export-format';
export * from './export-file';
export * from './merkle';
export * from './signed-note';
export * from './cosignature';
export * from './sm2';
