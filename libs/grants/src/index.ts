export * from './domain';
export { GrantsModule } from './grants.module';
export { ClawbackOverdueCheck } from './application/clawback-overdue-check';
export { GRANT_AWARDER_MIGRATIONS, GrantAwarder } from './application/grant-awarder';
export { CREDIT_WATCH, CreditWatch } from './application/credit-watch';
export { readCreditStanding } from './application/credit-view';
export { grantView } from './application/grant-view';
export { PaymentDto } from './application/grant.dto';
export { GrantDecisionCommand, GrantDecisionHandler } from './application/grant-decision.handler';
