export { checkCreditCode, creditCodeCheckCharacter, creditCodeRegion, type CreditCodeProblem } from '@ipstd/kernel';
export * from './divisions';
export * from './programme';
export * from './profile';
export * from './application';
export * from './streams';
export * from './rule-catalog';
export * from './enterprise';
export * from './review';
