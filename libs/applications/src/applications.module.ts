import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AmendApplicationHandler } from './application/amend-application/amend-application.handler';
import { OpenProgrammeHandler } from './application/open-programme/open-programme.handler';
import { SubmitApplicationHandler } from './application/submit-application/submit-application.handler';
import { WithdrawApplicationHandler } from './application/withdraw-application/withdraw-application.handler';
import { RecordEnterpriseFactHandler } from './application/enterprise-facts/record-fact.handler';
import { OpenDefenseRoundHandler } from './application/defense/open-defense-round.handler';
import { ApplicationDecisionHandler } from './application/review/application-decision.handler';
import { SelectApplicationHandler } from './application/select-application/select-application.handler';
import { FundsCommitments } from './application/select-application/funds-commitments';
import { SelectionReconciler } from './application/select-application/selection-reconciler';
import { EligibilityReassessor } from './application/reassess-eligibility/eligibility-reassessor';
import { RulesModule } from './rules.module';
import { ApplicationsController } from './infrastructure/http/applications.controller';
import { EnterprisesController } from './infrastructure/http/enterprises.controller';
import { RulesController } from './infrastructure/http/rules.controller';
import { ProgrammesController } from './infrastructure/http/programmes.controller';

const commandHandlers = [OpenProgrammeHandler, SubmitApplicationHandler, AmendApplicationHandler, WithdrawApplicationHandler, RecordEnterpriseFactHandler, ApplicationDecisionHandler, SelectApplicationHandler, OpenDefenseRoundHandler];
const controllers = [ProgrammesController, ApplicationsController, RulesController, EnterprisesController];

/** Write side of programmes and applications (applications-service). */
@Module({
  imports: [CqrsModule, RulesModule],
  controllers,
  providers: [...commandHandlers, FundsCommitments, EligibilityReassessor, SelectionReconciler],
})
export class ApplicationsModule {}
