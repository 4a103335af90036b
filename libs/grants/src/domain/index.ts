export * from './credit';
export * from './events';
export * from './state';
export * from './grant';
export * from './money';
export * from './streams';
export * from './targets';
export { GRANT_STATUS_TEXT, describeInstant } from './errors';
