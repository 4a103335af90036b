import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Assessment, RULE_CATALOG_EVENTS, RuleSet, evaluateEligibility, findRuleSet, latestRuleSet, ruleSetKey, ruleSetNotFound } from '@ipstd/funding-rules';
import { shanghaiDate } from '@ipstd/kernel';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { Inject } from '@nestjs/common';
import { AnyRole, CommandContext, CommandPipeline, Ctx, CurrentPrincipal, Principal, ProblemException, Roles, RuleCatalog, etagOf, readEventOf, requireObjectBody } from '@ipstd/platform';
import { DeriveRuleSetDto, RuleSetsQueryDto } from '../../application/rules/rule-sets-query.dto';
import { APPLICATION_EVENTS, ApplicationProfile, applicationStream } from '../../domain';
import { applicationHidden, canReadApplication, scopeForbidden } from '../../application/access';
import { EvaluationRequestDto } from '../../application/rules/evaluation.dto';
import { loadOpenProgramme } from '../../application/stream-specs';

function summary(ruleSet: RuleSet, publishedAt: string | undefined) {
  return {
    id: ruleSet.id,
    version: ruleSet.version,
    title: ruleSet.title,
    source: ruleSet.source,
    effective: ruleSet.effective,
    clauses: ruleSet.clauses.map((c) => c.id),
    publishedAt: publishedAt ?? null,
  };
}

@ApiTags('rules')
@ApiBearerAuth()
@Controller('v1/rules')
export class RulesController {
  constructor(
    private readonly rules: RuleCatalog,
    private readonly pipeline: CommandPipeline,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('rule-sets')
  @AnyRole()
  @ApiOperation({ summary: 'Published rule-set versions, oldest first; ?id= narrows to one rule set' })
  async list(@Query() { id }: RuleSetsQueryDto) {
    const { state } = await this.rules.state();
    return { items: state.published.filter((r) => !id || r.id === id).map((r) => summary(r, state.publishedAt[ruleSetKey(r)])) };
  }

  @Get('rule-sets/:id/versions/:version')
  @AnyRole()
  @ApiOperation({ summary: 'One published rule-set version in full: clauses, citations, parameters' })
  async get(@Param('id') id: string, @Param('version', new ParseIntPipe({ errorHttpStatusCode: HttpStatus.NOT_FOUND })) version: number) {
    const { state } = await this.rules.state();
    const ruleSet = findRuleSet(state.published, id, version);
    if (!ruleSet) throw ruleSetNotFound({ id, version });
    return { ...ruleSet, publishedAt: state.publishedAt[ruleSetKey(ruleSet)] ?? null };
  }

  @Post('rule-sets')
  @HttpCode(201)
  @Roles('programme-admin')
  @ApiBody({ description: 'A whole rule set (id, version = latest + 1, title, source, effective, clauses, ...): see docs/rules', schema: { type: 'object' } })
  @ApiOperation({ summary: 'Publish a new rule-set version; earlier versions and the decisions made under them never change' })
  async publish(@Body() raw: unknown, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const body = requireObjectBody(raw);
    // A bureau publishes rule sets for its own city only; a missing or malformed city is a validation problem.
    if (typeof body.city === 'string' && body.city !== principal.city) throw scopeForbidden(`无权为城市 ${body.city} 发布规则集`, `Your scope does not cover city ${body.city}`);
    const result = await this.rules.publish(body, context);
    const published = result.events.length ? readEventOf(RULE_CATALOG_EVENTS, 'RuleSetPublished', result.events[0]).data.ruleSet : result.state.published[result.state.published.length - 1];
    response.setHeader('Location', `/v1/rules/rule-sets/${published.id}/versions/${published.version}`);
    response.setHeader('ETag', etagOf(result.revision));
    return { ...published, publishedAt: result.state.publishedAt[ruleSetKey(published)] ?? null };
  }

  @Post('rule-sets/:id/versions')
  @HttpCode(201)
  @Roles('programme-admin')
  @ApiOperation({
    summary:
      'Derive a new version from a published one: changed dates (effective), title, source, clause parameters or pass mark; numbered latest + 1 and validated like a whole publication (docs/rules)',
  })
  async derive(@Param('id') id: string, @Body() body: DeriveRuleSetDto, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const { state } = await this.rules.state();
    const latest = latestRuleSet(state.published, id);
    if (!latest) throw ruleSetNotFound({ id, version: body.from });
    // A rule set never changes city, so its bureau is known before the derivation runs.
    if (latest.city !== principal.city) throw scopeForbidden(`无权为城市 ${latest.city} 发布规则集`, `Your scope does not cover city ${latest.city}`);
    const result = await this.rules.derive(id, body, context);
    const published = result.events.length ? readEventOf(RULE_CATALOG_EVENTS, 'RuleSetPublished', result.events[0]).data.ruleSet : result.state.published[result.state.published.length - 1];
    response.setHeader('Location', `/v1/rules/rule-sets/${published.id}/versions/${published.version}`);
    response.setHeader('ETag', etagOf(result.revision));
    return { ...published, derivedFrom: { id, version: body.from }, publishedAt: result.state.publishedAt[ruleSetKey(published)] ?? null };
  }

  @Post('evaluations')
  @HttpCode(200)
  @Roles('programme-admin', 'auditor')
  @ApiOperation({ summary: 'What-if: evaluate a profile, or an application as it stood at submission, under any published version; records nothing' })
  async evaluate(@Body() body: EvaluationRequestDto, @CurrentPrincipal() principal: Principal): Promise<Assessment> {
    if (Boolean(body.profile) === Boolean(body.applicationId)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'EVALUATION_SUBJECT_INVALID', {
        zh: 'profile 与 applicationId 必须且只能提供一个',
        en: 'Give exactly one of profile and applicationId',
      });
    }
    const ruleSet = await this.rules.get(body.ruleSet);
    let profile = body.profile as unknown as ApplicationProfile | undefined;
    let referenceDate = body.referenceDate;
    if (body.applicationId) {
      const [submitted] = await this.store.readStream(applicationStream(body.applicationId), { maxCount: 1 });
      if (!submitted) throw new ProblemException(HttpStatus.NOT_FOUND, 'APPLICATION_NOT_FOUND', { zh: '申报不存在', en: 'No such application' });
      const event = readEventOf(APPLICATION_EVENTS, 'ApplicationSubmitted', submitted);
      if (!canReadApplication(principal, event.data.profile)) throw applicationHidden();
      profile = event.data.profile;
      referenceDate ??= shanghaiDate((await loadOpenProgramme(this.pipeline, event.data.programmeId)).state.terms.window.closesAt);
    }
    if (!referenceDate) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'REFERENCE_DATE_REQUIRED', {
        zh: '评估企业资料时需要提供 referenceDate（申报截止日）',
        en: 'referenceDate (the call deadline) is required when evaluating a profile',
      });
    }
    return evaluateEligibility(ruleSet, profile!, { referenceDate, facts: body.facts ?? {} });
  }
}
