import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Put, Res } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { grantIdFor } from '@ipstd/kernel';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { CommandContext, CommandPipeline, Ctx, CurrentPrincipal, Principal, ProblemException, Roles, UuidParam, etagOf, exactDecimalNumber } from '@ipstd/platform';
import { EndorsementDto } from '../../application/endorse-application/endorsement.dto';
import { EndorseApplicationCommand } from '../../application/endorse-application/endorse-application.handler';
import { ReviewPanelDto } from '../../application/assign-review-panel/review-panel.dto';
import { AssignReviewPanelCommand } from '../../application/assign-review-panel/assign-review-panel.handler';
import { DrawReviewPanelDto } from '../../application/draw-review-panel/draw-review-panel.dto';
import { DEFAULT_RESERVES, DrawReviewPanelCommand } from '../../application/draw-review-panel/draw-review-panel.handler';
import { DEFAULT_ASSIGNMENT_CAP } from '../../domain';
import { CloseReviewCommand } from '../../application/close-review/close-review.handler';
import { ConflictDto } from '../../application/declare-conflict/conflict.dto';
import { DeclareConflictCommand } from '../../application/declare-conflict/declare-conflict.handler';
import { ReviewScoresDto } from '../../application/submit-review-scores/review-scores.dto';
import { SubmitReviewScoresCommand } from '../../application/submit-review-scores/submit-review-scores.handler';
import { DefenseScoreDto } from '../../application/submit-defense-score/defense-score.dto';
import { SubmitDefenseScoreCommand } from '../../application/submit-defense-score/submit-defense-score.handler';
import { ApplicationCommandResult } from '../../application/views';
import { SelectionDto, selectionDecisionOf } from '../../application/select-application/selection.dto';
import { SelectApplicationCommand } from '../../application/select-application/select-application.handler';
import { applicationHidden, canReadApplication } from '../../application/access';
import { AmendApplicationCommand } from '../../application/amend-application/amend-application.handler';
import { ApplicationProfileDto } from '../../application/submit-application/application-profile.dto';
import { loadApplication } from '../../application/stream-specs';
import { applicationView } from '../../application/views';
import { ReviewRequestDecisionDto, ReviewRequestDto } from '../../application/public-notice/public-notice.dto';
import { ReviewRequests } from '../../application/review-request/review-requests';
import { WithdrawApplicationDto } from '../../application/withdraw-application/withdraw-application.dto';
import { WithdrawApplicationCommand } from '../../application/withdraw-application/withdraw-application.handler';

@ApiTags('applications')
@ApiBearerAuth()
@Controller('v1/applications')
export class ApplicationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly pipeline: CommandPipeline,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reviewRequests: ReviewRequests,
  ) {}

  @Get(':applicationId')
  @Roles('applicant', 'district-office', 'programme-admin', 'auditor', 'expert')
  @ApiOperation({ summary: 'Current state of an application' })
  async get(@Param('applicationId', UuidParam) applicationId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await loadApplication(this.pipeline, applicationId);
    // Out of scope reads exactly like absent: no existence oracle (docs/api-guide.md, "Privacy").
    if (!canReadApplication(principal, state.profile, state)) throw applicationHidden();
    response.setHeader('ETag', etagOf(revision));
    return applicationView(state, revision, principal, await this.awardedGrant(state));
  }

  /** The grant of a selected application once it has been awarded (its stream exists), else null. */
  private async awardedGrant(state: { status: string; applicationId: string }): Promise<string | null> {
    if (state.status !== 'selected') return null;
    const grantId = grantIdFor(state.applicationId);
    const [first] = await this.store.readStream(`grant-${grantId}`, { maxCount: 1 });
    return first ? grantId : null;
  }

  @Post(':applicationId/amendments')
  @HttpCode(200)
  @Roles('applicant')
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the application as last read' })
  @ApiOperation({ summary: 'Amend before the window closes; the body replaces the declared profile' })
  async amend(
    @Param('applicationId', UuidParam) applicationId: string,
    @Body() body: ApplicationProfileDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const result = await this.commands.execute(new AmendApplicationCommand(applicationId, body, principal, context));
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }

  @Post(':applicationId/withdrawal')
  @HttpCode(200)
  @Roles('applicant')
  @ApiOperation({ summary: 'Withdraw the application' })
  async withdraw(
    @Param('applicationId', UuidParam) applicationId: string,
    @Body() body: WithdrawApplicationDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const result = await this.commands.execute(new WithdrawApplicationCommand(applicationId, body.reason ?? null, principal, context));
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }

  @Post(':applicationId/endorsement')
  @HttpCode(200)
  @Roles('district-office')
  @ApiOperation({ summary: "Initial review and recommendation (初审/推荐意见) by the applicant's district office, until the endorsement deadline" })
  endorse(@Param('applicationId', UuidParam) id: string, @Body() body: EndorsementDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    return this.answer(response, this.commands.execute(new EndorseApplicationCommand(id, body.decision, body.opinion, principal, context)));
  }

  @Post(':applicationId/review-panel')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: "Assign (or replace) the review panel: the call's panel size, no expert with a conflict of interest" })
  assignPanel(@Param('applicationId', UuidParam) id: string, @Body() body: ReviewPanelDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const experts = body.experts.map((e) => ({ expertId: e.expertId, organisation: e.organisation, links: e.links ?? [] }));
    return this.answer(response, this.commands.execute(new AssignReviewPanelCommand(id, experts, principal, context)));
  }

  @Post(':applicationId/review-panel/draw')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: "Draw the call's panel size at random from the city's expert pool in a field, excluding conflicts; reserves in draw order (docs/lifecycle/application.md)" })
  drawPanel(@Param('applicationId', UuidParam) id: string, @Body() body: DrawReviewPanelDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const command = new DrawReviewPanelCommand(id, body.field, body.reserves ?? DEFAULT_RESERVES, body.maxAssignmentsPerExpert ?? DEFAULT_ASSIGNMENT_CAP, principal, context);
    return this.answer(response, this.commands.execute(command));
  }

  @Post(':applicationId/review-panel/closure')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: "Close the review once every counted expert has scored; aggregates as the call defines (not in API.md's first draft)" })
  closeReview(@Param('applicationId', UuidParam) id: string, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    return this.answer(response, this.commands.execute(new CloseReviewCommand(id, principal, context)));
  }

  @Post(':applicationId/conflicts')
  @HttpCode(200)
  @Roles('expert')
  @ApiOperation({ summary: 'An assigned expert declares a conflict of interest and stands down' })
  declareConflict(@Param('applicationId', UuidParam) id: string, @Body() body: ConflictDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    return this.answer(response, this.commands.execute(new DeclareConflictCommand(id, body.reason, principal, context)));
  }

  @Put(':applicationId/reviews/:expertId')
  @HttpCode(200)
  @Roles('expert')
  @ApiOperation({ summary: "The expert's per-criterion scores; revisable until the review closes" })
  score(
    @Param('applicationId', UuidParam) id: string,
    @Param('expertId') expertId: string,
    @Body() body: ReviewScoresDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const scores = body.scores.map((sc) => ({ criterionId: sc.criterionId, score: exactDecimalNumber(sc.score, 2) }));
    return this.answer(response, this.commands.execute(new SubmitReviewScoresCommand(id, expertId, scores, body.comment, principal, context)));
  }

  @Put(':applicationId/defense-scores/:expertId')
  @HttpCode(200)
  @Roles('expert')
  @ApiOperation({ summary: "The expert's defense-round score (0–100)" })
  defenseScore(
    @Param('applicationId', UuidParam) id: string,
    @Param('expertId') expertId: string,
    @Body() body: DefenseScoreDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.answer(response, this.commands.execute(new SubmitDefenseScoreCommand(id, expertId, exactDecimalNumber(body.score, 2), body.comment, principal, context)));
  }

  @Post(':applicationId/selection')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Select within budget, or reject. An ineligible application needs eligibilityOverride with a reason' })
  async select(@Param('applicationId', UuidParam) id: string, @Body() body: SelectionDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    if (body.decision === 'select' && body.approvedAmountFen === undefined) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'APPROVED_AMOUNT_REQUIRED', { zh: '立项须填写批准金额（分）', en: 'Selecting needs approvedAmountFen' });
    }
    const result = await this.commands.execute(new SelectApplicationCommand(id, selectionDecisionOf(body), principal, context));
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }

  @Post(':applicationId/review-requests')
  @HttpCode(201)
  @Roles('applicant')
  @ApiOperation({ summary: 'Request a review (复核) of the decision against the application (not selected, or withdrawn after an upheld objection), within the call’s working days' })
  async requestReview(@Param('applicationId', UuidParam) id: string, @Body() body: ReviewRequestDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const result = await this.reviewRequests.request(id, body.grounds, principal, context);
    const latest = result.view.reviewRequests[result.view.reviewRequests.length - 1];
    response.setHeader('Location', `/v1/applications/${id}#review-request-${latest?.requestId ?? ''}`);
    return this.answer(response, Promise.resolve(result));
  }

  @Post(':applicationId/review-requests/:requestId/decision')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Decide a review request: upheld (the selection is decided again) or dismissed, with a reason' })
  decideReview(
    @Param('applicationId', UuidParam) id: string,
    @Param('requestId', UuidParam) requestId: string,
    @Body() body: ReviewRequestDecisionDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.answer(response, this.reviewRequests.decide(id, requestId, body, principal, context));
  }

  /** Every application command answers the application as it now stands, with its ETag. */
  private async answer(response: Response, pending: Promise<ApplicationCommandResult>) {
    const result = await pending;
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }
}
