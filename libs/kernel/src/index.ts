export * from './clock';
export * from './ids';
export * from './canonical-json';
export * from './decider';
export * from './domain-error';
export * from './shanghai-time';
export * from './credit-code';
export * from './decimal';
