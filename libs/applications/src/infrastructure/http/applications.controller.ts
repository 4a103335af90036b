import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { CommandContext, CommandPipeline, Ctx, CurrentPrincipal, Principal, ProblemException, Roles, UuidParam, etagOf, exactDecimalNumber } from '@ipstd/platform';
import { ApplicationCommand, ProgrammeContext } from '../../domain';
import { ApplicationDecisionCommand, ApplicationScope, adminOf, districtOfficeOf, expertActingAs } from '../../application/review/application-decision.handler';
import { ConflictDto, DefenseScoreDto, EndorsementDto, ReviewPanelDto, ReviewScoresDto } from '../../application/review/review.dto';
import { SelectionDto, selectionDecisionOf } from '../../application/select-application/selection.dto';
import { SelectApplicationCommand } from '../../application/select-application/select-application.handler';
import { canReadApplication, scopeForbidden } from '../../application/access';
import { AmendApplicationCommand } from '../../application/amend-application/amend-application.handler';
import { ApplicationProfileDto } from '../../application/submit-application/application-profile.dto';
import { loadApplication } from '../../application/streams';
import { applicationView } from '../../application/views';
import { WithdrawApplicationDto } from '../../application/withdraw-application/withdraw-application.dto';
import { WithdrawApplicationCommand } from '../../application/withdraw-application/withdraw-application.handler';

@ApiTags('applications')
@ApiBearerAuth()
@Controller('v1/applications')
export class ApplicationsController {
  constructor(private readonly commands: CommandBus, private readonly pipeline: CommandPipeline) {}

  @Get(':applicationId')
  @Roles('applicant', 'district-office', 'programme-admin', 'auditor', 'expert')
  @ApiOperation({ summary: 'Current state of an application' })
  async get(@Param('applicationId', UuidParam) applicationId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await loadApplication(this.pipeline, applicationId);
    if (!canReadApplication(principal, state.profile, state)) {
      throw scopeForbidden('无权查看该申报', 'Your scope does not cover this application');
    }
    response.setHeader('ETag', etagOf(revision));
    return applicationView(state, revision, principal);
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
    return this.decide(id, principal, context, response, districtOfficeOf(principal), (programme, now) => ({
      type: 'EndorseApplication',
      programme,
      decision: body.decision,
      district: principal.district!,
      opinion: body.opinion,
      now,
    }));
  }

  @Post(':applicationId/review-panel')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: "Assign (or replace) the review panel: the call's panel size, no expert with a conflict of interest" })
  assignPanel(@Param('applicationId', UuidParam) id: string, @Body() body: ReviewPanelDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const experts = body.experts.map((e) => ({ expertId: e.expertId, organisation: e.organisation, links: e.links ?? [] }));
    return this.decide(id, principal, context, response, adminOf(principal), (programme, now) => ({ type: 'AssignReviewPanel', programme, experts, now }));
  }

  @Post(':applicationId/review-panel/closure')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: "Close the review once every counted expert has scored; aggregates as the call defines (not in API.md's first draft)" })
  closeReview(@Param('applicationId', UuidParam) id: string, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    return this.decide(id, principal, context, response, adminOf(principal), (programme, now) => ({ type: 'CloseReview', programme, now }));
  }

  @Post(':applicationId/conflicts')
  @HttpCode(200)
  @Roles('expert')
  @ApiOperation({ summary: 'An assigned expert declares a conflict of interest and stands down' })
  declareConflict(@Param('applicationId', UuidParam) id: string, @Body() body: ConflictDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    return this.decide(id, principal, context, response, () => undefined, (_, now) => ({ type: 'DeclareConflict', expertId: principal.sub, reason: body.reason, now }));
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
    return this.decide(id, principal, context, response, expertActingAs(principal, expertId), (programme, now) => ({
      type: 'SubmitReviewScores',
      programme,
      expertId,
      scores: body.scores.map((s) => ({ criterionId: s.criterionId, score: exactDecimalNumber(s.score, 2) })),
      comment: body.comment,
      now,
    }));
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
    return this.decide(id, principal, context, response, expertActingAs(principal, expertId), (_, now) => ({ type: 'SubmitDefenseScore', expertId, score: exactDecimalNumber(body.score, 2), comment: body.comment, now }));
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

  private async decide(
    applicationId: string,
    principal: Principal,
    context: CommandContext,
    response: Response,
    authorise: (scope: ApplicationScope) => void,
    command: (programme: ProgrammeContext, now: Date) => ApplicationCommand,
  ) {
    const result = await this.commands.execute(new ApplicationDecisionCommand(applicationId, principal, context, authorise, command));
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }
}
