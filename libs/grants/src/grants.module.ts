import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RulesModule } from '@ipstd/platform';
import { ClawbackOverdueCheck } from './application/check-clawback-overdue/clawback-overdue-check';
import { CreditWatch } from './application/watch-credit/credit-watch';
import { GrantAwarder } from './application/award-grant/grant-awarder';
import { GrantDecisionHandler } from './application/decide-grant/grant-decision.handler';
import { GrantsController } from './infrastructure/http/grants.controller';

/** Grants, tranches, inspections, acceptance and clawback (grants-service). */
@Module({
  imports: [CqrsModule, RulesModule],
  controllers: [GrantsController],
  providers: [GrantDecisionHandler, GrantAwarder, CreditWatch, ClawbackOverdueCheck],
})
export class GrantsModule {}
