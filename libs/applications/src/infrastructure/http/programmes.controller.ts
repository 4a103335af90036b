import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Clock } from '@ipstd/kernel';
import { AnyRole, CLOCK, CommandContext, CommandPipeline, Ctx, CurrentPrincipal, Principal, Roles, UuidParam, etagOf, scopeCoversCity } from '@ipstd/platform';
import { OpenProgrammeDto } from '../../application/open-programme/open-programme.dto';
import { OpenProgrammeCommand } from '../../application/open-programme/open-programme.handler';
import { ApplicationProfileDto } from '../../application/submit-application/application-profile.dto';
import { SubmitApplicationCommand } from '../../application/submit-application/submit-application.handler';
import { applicationSpec, loadOpenProgramme } from '../../application/stream-specs';
import { programmeView } from '../../application/views';
import { DEFAULT_NOTICE_WORKING_DAYS, DEFAULT_REVIEW_REQUEST_WORKING_DAYS, ProgrammeTerms } from '../../domain';
import { FileObjectionDto, ResolveObjectionDto } from '../../application/public-notice/public-notice.dto';
import { PublicNotices, noticesView } from '../../application/public-notice/public-notices';
import { DefenseRoundDto } from '../../application/defense/defense-round.dto';
import { OpenDefenseRoundCommand } from '../../application/defense/open-defense-round.handler';

/**
 * A new call has a public notice and a review-request window of 5 working days unless it names its own
 * period or none (null), and reviews only after its window closes unless it says `rolling`.
 */
function termsOf(body: OpenProgrammeDto): ProgrammeTerms {
  const { publicNotice, reviewRequest, phases, ...rest } = body;
  const period = (value: { workingDays: number } | null | undefined, fallback: number) => (value === undefined ? { workingDays: fallback } : value === null ? null : { workingDays: value.workingDays });
  return { ...rest, publicNotice: period(publicNotice, DEFAULT_NOTICE_WORKING_DAYS), reviewRequest: period(reviewRequest, DEFAULT_REVIEW_REQUEST_WORKING_DAYS), phases: phases ?? 'after-close' };
}

@ApiTags('programmes')
@ApiBearerAuth()
@Controller('v1/programmes')
export class ProgrammesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly pipeline: CommandPipeline,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly notices: PublicNotices,
  ) {}

  @Post(':programmeId/notices')
  @HttpCode(201)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Publish the proposed selections for public notice (公示): enterprise, project and approved amount; the period ends after the call’s number of working days' })
  async publishNotice(@Param('programmeId', UuidParam) programmeId: string, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const { notice, revision } = await this.notices.publish(programmeId, principal, context);
    response.setHeader('Location', `/v1/programmes/${programmeId}/notices#${notice.noticeId}`);
    response.setHeader('ETag', etagOf(revision));
    return notice;
  }

  @Get(':programmeId/notices')
  @AnyRole()
  @ApiOperation({ summary: 'The public notices of a call, their entries and objections; objectors’ identities only for the bureau and auditors of its city' })
  async listNotices(@Param('programmeId', UuidParam) programmeId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await loadOpenProgramme(this.pipeline, programmeId);
    response.setHeader('ETag', etagOf(revision));
    return { programmeId, notices: noticesView(state, principal) };
  }

  @Post(':programmeId/objections')
  @HttpCode(201)
  @AnyRole()
  @ApiOperation({ summary: 'File a real-name objection (异议) against an application on a public notice, before the period ends; the bureau records written ones (channel "written")' })
  async fileObjection(@Param('programmeId', UuidParam) programmeId: string, @Body() body: FileObjectionDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const { objection, revision } = await this.notices.file(programmeId, body, principal, context);
    response.setHeader('Location', `/v1/programmes/${programmeId}/notices#${objection.objectionId}`);
    response.setHeader('ETag', etagOf(revision));
    return objection;
  }

  @Post(':programmeId/objections/:objectionId/decision')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Resolve an objection: upheld (the selection is withdrawn and its budget released) or dismissed, with a reason' })
  async resolveObjection(
    @Param('programmeId', UuidParam) programmeId: string,
    @Param('objectionId', UuidParam) objectionId: string,
    @Body() body: ResolveObjectionDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { objection, revision } = await this.notices.resolve(programmeId, objectionId, body, principal, context);
    response.setHeader('ETag', etagOf(revision));
    return objection;
  }

  @Post()
  @HttpCode(201)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Open a programme call (申报通知)' })
  @ApiCreatedResponse({ description: 'The call; Location and ETag headers' })
  async open(@Body() body: OpenProgrammeDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const result = await this.commands.execute(new OpenProgrammeCommand(termsOf(body), principal, context));
    response.setHeader('Location', `/v1/programmes/${result.view.programmeId}`);
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }

  @Get(':programmeId')
  @AnyRole()
  @ApiOperation({ summary: 'A programme call and where its window stands; the defense-round ranking only for the bureau and auditors of its city and the experts of an invited application' })
  async get(@Param('programmeId', UuidParam) programmeId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await loadOpenProgramme(this.pipeline, programmeId);
    response.setHeader('ETag', etagOf(revision));
    return programmeView(state, revision, this.clock.now(), await this.seesRanking(principal, state.terms.city, state.defenseRound?.invited ?? []));
  }

  /** The defense ranking: the bureau and auditors of the call's city, and experts on an invited application's panel (not stood down). */
  private async seesRanking(principal: Principal, city: string, invited: ReadonlyArray<{ applicationId: string }>): Promise<boolean> {
    if (invited.length === 0) return true;
    if (principal.role === 'programme-admin' || principal.role === 'auditor') return scopeCoversCity(principal, city);
    if (principal.role !== 'expert') return false;
    for (const { applicationId } of invited) {
      const { state } = await this.pipeline.load(applicationSpec(applicationId));
      const review = state.status === 'none' ? null : state.review;
      if (review && review.experts.some((e) => e.expertId === principal.sub) && !review.conflicted.includes(principal.sub)) return true;
    }
    return false;
  }

  @Post(':programmeId/applications')
  @HttpCode(201)
  @Roles('applicant')
  @ApiOperation({ summary: 'Submit an application (申报) before the window closes' })
  async submit(
    @Param('programmeId', UuidParam) programmeId: string,
    @Body() body: ApplicationProfileDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const result = await this.commands.execute(new SubmitApplicationCommand(programmeId, body, principal, context));
    response.setHeader('Location', `/v1/applications/${result.view.applicationId}`);
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }

  @Post(':programmeId/defense-round')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Rank the applications whose review is closed and invite the top N to the defense round (答辩)' })
  async defenseRound(@Param('programmeId', UuidParam) programmeId: string, @Body() body: DefenseRoundDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const result = await this.commands.execute(new OpenDefenseRoundCommand(programmeId, body.size, principal, context));
    response.setHeader('ETag', etagOf(result.revision));
    return { roundId: result.roundId, size: result.size, invited: result.invited.map((i) => ({ ...i, score: i.scoreHundredths / 100 })) };
  }
}
