import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AmendApplicationHandler } from './application/amend-application/amend-application.handler';
import { OpenProgrammeHandler } from './application/open-programme/open-programme.handler';
import { SubmitApplicationHandler } from './application/submit-application/submit-application.handler';
import { WithdrawApplicationHandler } from './application/withdraw-application/withdraw-application.handler';
import { RecordEnterpriseFactHandler } from './application/enterprise-facts/record-fact.handler';
import { OpenDefenseRoundHandler } from './application/defense/open-defense-round.handler';
import { ApplicationWritePath } from './application/application-write-path';
import { EndorseApplicationHandler } from './application/endorse-application/endorse-application.handler';
import { AssignReviewPanelHandler } from './application/assign-review-panel/assign-review-panel.handler';
import { CloseReviewHandler } from './application/close-review/close-review.handler';
import { DeclareConflictHandler } from './application/declare-conflict/declare-conflict.handler';
import { SubmitReviewScoresHandler } from './application/submit-review-scores/submit-review-scores.handler';
import { SubmitDefenseScoreHandler } from './application/submit-defense-score/submit-defense-score.handler';
import { SelectApplicationHandler } from './application/select-application/select-application.handler';
import { FundsCommitments } from './application/select-application/funds-commitments';
import { SelectionReconciler } from './application/select-application/selection-reconciler';
import { EligibilityReassessor } from './application/reassess-eligibility/eligibility-reassessor';
import { RulesModule } from '@ipstd/platform';
import { ApplicationsController } from './infrastructure/http/applications.controller';
import { EnterprisesController } from './infrastructure/http/enterprises.controller';
import { RulesController } from './infrastructure/http/rules.controller';
import { ProgrammesController } from './infrastructure/http/programmes.controller';
import { ExpertPoolsController } from './infrastructure/http/expert-pools.controller';
import { CalendarController } from './infrastructure/http/calendar.controller';
import { DeactivateExpertHandler, RegisterExpertHandler, UpdateExpertHandler } from './application/expert-pool/expert-pool.handlers';
import { DrawReviewPanelHandler } from './application/draw-review-panel/draw-review-panel.handler';
import { PublicNotices } from './application/public-notice/public-notices';
import { ObjectionSettler } from './application/public-notice/objection-settler';
import { ReviewRequests } from './application/review-request/review-requests';
import { WorkingDayCalendarSource } from './application/public-notice/working-day-calendar';
import { DRAW_SEED_SOURCE, cryptoSeedSource } from './application/draw-review-panel/seed-source';

const commandHandlers = [OpenProgrammeHandler, SubmitApplicationHandler, AmendApplicationHandler, WithdrawApplicationHandler, RecordEnterpriseFactHandler, EndorseApplicationHandler, AssignReviewPanelHandler, CloseReviewHandler, DeclareConflictHandler, SubmitReviewScoresHandler, SubmitDefenseScoreHandler, SelectApplicationHandler, OpenDefenseRoundHandler, RegisterExpertHandler, UpdateExpertHandler, DeactivateExpertHandler, DrawReviewPanelHandler];
const controllers = [ProgrammesController, ApplicationsController, RulesController, EnterprisesController, ExpertPoolsController, CalendarController];

/** Write side of programmes and applications (applications-service). */
@Module({
  imports: [CqrsModule, RulesModule],
  controllers,
  providers: [...commandHandlers, { provide: DRAW_SEED_SOURCE, useValue: cryptoSeedSource }, ApplicationWritePath, FundsCommitments, EligibilityReassessor, SelectionReconciler, PublicNotices, WorkingDayCalendarSource, ObjectionSettler, ReviewRequests],
  exports: [PublicNotices],
})
export class ApplicationsModule {}
