import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RulesModule } from '@ipstd/platform';
import { ClawbackOverdueCheck } from './application/clawback-overdue-check';
import { CreditWatch } from './application/credit-watch';
import { GrantAwarder } from './application/grant-awarder';
import { GrantDecisionHandler } from './application/grant-decision.handler';
import { GrantsController } from './infrastructure/http/grants.controller';

/** Grants, tranches, inspections, acceptance and clawback (grants-service). */
@Module({
  imports: [CqrsModule, RulesModule],
  controllers: [GrantsController],
  providers: [GrantDecisionHandler, GrantAwarder, CreditWatch, ClawbackOverdueCheck],
})
export class GrantsModule {}
