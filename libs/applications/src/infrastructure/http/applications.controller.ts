import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { CommandContext, CommandPipeline, Ctx, CurrentPrincipal, Principal, Roles, UuidParam, etagOf } from '@ipstd/platform';
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
  @Roles('applicant', 'district-office', 'programme-admin', 'auditor')
  @ApiOperation({ summary: 'Current state of an application' })
  async get(@Param('applicationId', UuidParam) applicationId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await loadApplication(this.pipeline, applicationId);
    if (!canReadApplication(principal, state.profile)) {
      throw scopeForbidden('无权查看该申报', 'Your scope does not cover this application');
    }
    response.setHeader('ETag', etagOf(revision));
    return applicationView(state, revision);
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
}
