import { DomainError } from '@ipstd/kernel';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { CommandContext, CommandPipeline, Ctx, CurrentPrincipal, Principal, ProblemException, Roles, etagOf } from '@ipstd/platform';
import { HttpStatus } from '@nestjs/common';
import { ExpertRecord } from '../../domain';
import { DeactivateExpertDto, EXPERT_ID, ExpertDto, ExpertListQueryDto, RegisterExpertDto } from '../../application/expert-pool/expert.dto';
import {
  DeactivateExpertCommand, ExpertResult, RegisterExpertCommand, UpdateExpertCommand, expertPoolSpec, expertView, poolAdminPolicy,
} from '../../application/expert-pool/expert-pool.handlers';

const recordOf = (expertId: string, body: ExpertDto): ExpertRecord => ({
  expertId,
  name: body.name,
  organisation: body.organisation,
  fields: [...new Set(body.fields)].sort(),
  employer: body.employer ?? null,
  shareholdings: [...new Set(body.shareholdings ?? [])].sort(),
  coApplications: [...new Set(body.coApplications ?? [])].sort(),
});

function checkExpertId(expertId: string): void {
  if (!EXPERT_ID.test(expertId)) {
    throw new ProblemException(HttpStatus.NOT_FOUND, 'EXPERT_NOT_FOUND', { zh: `专家库中没有专家 ${expertId.slice(0, 100)}`, en: `No expert ${expertId.slice(0, 100)} in this pool` });
  }
}

/** The city's expert pool (专家库): registered by the city's programme admin; panels are drawn from it. */
@ApiTags('expert-pools')
@ApiBearerAuth()
@Controller('v1/expert-pools/:city/experts')
export class ExpertPoolsController {
  constructor(private readonly commands: CommandBus, private readonly pipeline: CommandPipeline) {}

  @Post()
  @HttpCode(201)
  @Roles('programme-admin')
  @ApiOperation({ summary: "Register an expert in the city's pool: organisation, fields and the links that make conflicts" })
  async register(@Param('city') city: string, @Body() body: RegisterExpertDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const view = await this.answer(response, this.commands.execute(new RegisterExpertCommand(city, recordOf(body.expertId, body), principal, context)));
    response.setHeader('Location', `/v1/expert-pools/${city}/experts/${encodeURIComponent(view.expertId)}`);
    return view;
  }

  @Get(':expertId')
  @Roles('programme-admin', 'auditor')
  @ApiOperation({ summary: "One expert of the city's pool (the Location of a registration)" })
  async one(@Param('city') city: string, @Param('expertId') expertId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    poolAdminPolicy(principal, city);
    checkExpertId(expertId);
    const pool = await this.pipeline.load(expertPoolSpec(city));
    const entry = pool.state.experts[expertId];
    if (!entry) throw new DomainError('EXPERT_NOT_FOUND', 'not-found', { zh: `专家库中没有专家 ${expertId}`, en: `No expert ${expertId} in this pool` }, { expertId });
    if (pool.revision !== null) response.setHeader('ETag', etagOf(pool.revision));
    return expertView(entry);
  }

  @Put(':expertId')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the pool as last read' })
  @ApiOperation({ summary: "Replace an expert's record (reactivates a deactivated expert)" })
  async update(
    @Param('city') city: string,
    @Param('expertId') expertId: string,
    @Body() body: ExpertDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    poolAdminPolicy(principal, city);
    checkExpertId(expertId);
    return this.answer(response, this.commands.execute(new UpdateExpertCommand(city, recordOf(expertId, body), principal, context)));
  }

  @Post(':expertId/deactivation')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Deactivate an expert: never drawn again; panels already drawn are kept' })
  async deactivate(
    @Param('city') city: string,
    @Param('expertId') expertId: string,
    @Body() body: DeactivateExpertDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    poolAdminPolicy(principal, city);
    checkExpertId(expertId);
    return this.answer(response, this.commands.execute(new DeactivateExpertCommand(city, expertId, body.reason, principal, context)));
  }

  @Get()
  @Roles('programme-admin', 'auditor')
  @ApiOperation({ summary: "The city's experts in expertId order, paginated (`next` is the cursor of the following page)" })
  async list(@Param('city') city: string, @Query() query: ExpertListQueryDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    poolAdminPolicy(principal, city);
    const pool = await this.pipeline.load(expertPoolSpec(city));
    const limit = query.limit ?? 50;
    const active = query.active === undefined ? undefined : query.active === 'true';
    const matching = Object.values(pool.state.experts)
      .filter((e) => (query.field === undefined || e.fields.includes(query.field)) && (active === undefined || e.active === active))
      .sort((a, b) => (a.expertId < b.expertId ? -1 : a.expertId > b.expertId ? 1 : 0))
      .filter((e) => query.after === undefined || e.expertId > query.after);
    const page = matching.slice(0, limit);
    if (pool.revision !== null) response.setHeader('ETag', etagOf(pool.revision));
    return { items: page.map(expertView), next: matching.length > limit ? page[page.length - 1].expertId : null };
  }

  private async answer(response: Response, pending: Promise<ExpertResult>) {
    const result = await pending;
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }
}
