export * from './credit-code';
export * from './divisions';
export * from './programme';
export * from './profile';
export * from './application';
export * from './streams';
