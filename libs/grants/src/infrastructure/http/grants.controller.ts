import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, ParseIntPipe, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { IdGenerator } from '@ipstd/kernel';
import { CommandContext, CommandPipeline, Ctx, CurrentPrincipal, ID_GENERATOR, Principal, Roles, RuleCatalog, UuidParam, etagOf, hiddenRecord, readEvent } from '@ipstd/platform';
import { GRANT_EVENTS } from '../../domain';
import { GrantAuthorisation, requireGrantCity, requireReadable } from '../../application/access';
import { AcceptanceDecisionDto, ClawbackDto, ClosureDto, EvaluationDto, MidTermInspectionDto, PaymentDto, ReasonDto, ReleaseOrderDto, RepaymentDto, SuspensionDecisionDto } from '../../application/decide-grant/grant.dto';
import { GrantCommandInput, GrantDecisionCommand } from '../../application/decide-grant/grant-decision.handler';
import { loadGrant } from '../../application/grant-streams';
import { checkIndexInputs } from '../../application/decide-grant/index-inputs';
import { loadOpenProgramme } from '@ipstd/applications';
import { evaluateIndex } from '@ipstd/funding-rules';
import { grantView } from '../../application/grant-view';

const trancheNo = new ParseIntPipe({ errorHttpStatusCode: HttpStatus.NOT_FOUND });

@ApiTags('grants')
@ApiBearerAuth()
@Controller('v1/grants')
export class GrantsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly pipeline: CommandPipeline,
    private readonly rules: RuleCatalog,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Get(':grantId')
  @Roles('applicant', 'district-office', 'programme-admin', 'finance', 'auditor')
  @ApiOperation({ summary: 'A grant: targets, tranches, clawbacks and money' })
  async get(@Param('grantId', UuidParam) grantId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await loadGrant(this.pipeline, grantId);
    requireReadable(principal, state);
    response.setHeader('ETag', etagOf(revision));
    return grantView(state, revision);
  }

  @Get(':grantId/clawbacks/:clawbackId')
  @Roles('applicant', 'district-office', 'programme-admin', 'finance', 'auditor')
  @ApiOperation({ summary: 'One clawback of a grant with its repayments (the Location of a clawback order and of a repayment)' })
  async clawbackOf(@Param('grantId', UuidParam) grantId: string, @Param('clawbackId', UuidParam) clawbackId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await loadGrant(this.pipeline, grantId);
    requireReadable(principal, state);
    const clawback = state.clawbacks.find((c) => c.clawbackId === clawbackId);
    if (!clawback) throw hiddenRecord('CLAWBACK_NOT_FOUND', '收回令不存在', 'No such clawback');
    response.setHeader('ETag', etagOf(revision));
    return { grantId, ...clawback, outstandingFen: clawback.amountFen - clawback.repaidFen - clawback.writtenOffFen };
  }

  @Post(':grantId/agreement')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Record the signed funding agreement; implementation begins (not in API.md\'s first draft)' })
  sign(@Param('grantId', UuidParam) id: string, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'SignAgreement' });
  }

  @Post(':grantId/tranches/:n/release-order')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: "The bureau's release order for a tranche, once its trigger has happened (first of two signatures)" })
  order(@Param('grantId', UuidParam) id: string, @Param('n', trancheNo) n: number, @Body() body: ReleaseOrderDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'OrderTrancheRelease', trancheNo: n, amountFen: body.amountFen, orderNo: body.orderNo });
  }

  @Post(':grantId/tranches/:n/payment')
  @HttpCode(200)
  @Roles('finance')
  @ApiOperation({ summary: "The finance bureau's payment confirmation (second signature): reference, value date, amount ≤ ordered − already paid; several confirmations may pay one order" })
  pay(@Param('grantId', UuidParam) id: string, @Param('n', trancheNo) n: number, @Body() body: PaymentDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'ConfirmTranchePayment', trancheNo: n, reference: body.reference, valueDate: body.valueDate, amountFen: body.amountFen });
  }

  @Post(':grantId/tranches/:n/cancellation')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Cancel a release order nothing has been paid against (撤销拨付令), with a reason; the tranche can then be ordered again' })
  cancelOrder(@Param('grantId', UuidParam) id: string, @Param('n', trancheNo) n: number, @Body() body: ReasonDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'CancelTrancheRelease', trancheNo: n, reason: body.reason });
  }

  @Post(':grantId/mid-term-inspections')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Mid-term inspection (中期检查): every target due at mid-term is on-track, at-risk or failing, with findings' })
  inspect(@Param('grantId', UuidParam) id: string, @Body() body: MidTermInspectionDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    const inspectionId = this.ids.next();
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'RecordMidTermInspection', inspectionId, results: body.results });
  }

  @Post(':grantId/acceptance-request')
  @HttpCode(200)
  @Roles('applicant')
  @ApiOperation({ summary: 'The enterprise requests acceptance, at least the lead time (3 months) before the implementation period ends' })
  requestAcceptance(@Param('grantId', UuidParam) id: string, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'owner', principal: p }, { type: 'RequestAcceptance' });
  }

  @Post(':grantId/acceptance-decision')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Acceptance (结项验收): per-target results and accepted or failed' })
  decideAcceptance(@Param('grantId', UuidParam) id: string, @Body() body: AcceptanceDecisionDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'DecideAcceptance', results: body.results, decision: body.decision, reason: body.reason });
  }

  @Post(':grantId/evaluation')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: "Rizhao pilot: evaluation against the programme's evaluation index (评价指标体系); a pass releases the single tranche" })
  async evaluate(@Param('grantId', UuidParam) id: string, @Body() body: EvaluationDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    const { state } = await loadGrant(this.pipeline, id);
    requireGrantCity(p)(state);
    const programme = await loadOpenProgramme(this.pipeline, state.programmeId);
    const ruleSet = await this.rules.get(programme.state.terms.ruleSet);
    const assessment = evaluateIndex(ruleSet, checkIndexInputs(ruleSet, body.inputs));
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, {
      type: 'RecordEvaluation',
      outcome: assessment.outcome === 'pass' ? 'passed' : 'failed',
      score: assessment.score,
      passMark: assessment.passMark,
      index: { ruleSet: assessment.ruleSet, indicators: assessment.indicators },
    });
  }

  @Post(':grantId/clawbacks')
  @HttpCode(201)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Order a recovery (收回项目资金): amount ≤ paid − already ordered back, reason, due date' })
  clawback(@Param('grantId', UuidParam) id: string, @Body() body: ClawbackDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    const clawbackId = this.ids.next();
    return this.created(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'OrderClawback', clawbackId, amountFen: body.amountFen, reason: body.reason, dueDate: body.dueDate }, 'clawbackId', clawbackId);
  }

  @Post(':grantId/clawbacks/:clawbackId/repayments')
  @HttpCode(201)
  @Roles('finance')
  @ApiOperation({ summary: 'Record a (partial) repayment of a clawback' })
  repay(@Param('grantId', UuidParam) id: string, @Param('clawbackId', UuidParam) clawbackId: string, @Body() body: RepaymentDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    const repaymentId = this.ids.next();
    return this.created(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'RecordRepayment', clawbackId, repaymentId, amountFen: body.amountFen, reference: body.reference, valueDate: body.valueDate }, 'repaymentId', repaymentId);
  }

  @Post(':grantId/clawbacks/:clawbackId/write-off')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Write off what remains of a clawback, with a reason (not in API.md\'s first draft)' })
  writeOff(@Param('grantId', UuidParam) id: string, @Param('clawbackId', UuidParam) clawbackId: string, @Body() body: ReasonDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'WriteOffClawback', clawbackId, reason: body.reason });
  }

  @Post(':grantId/suspension/decision')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'The bureau decides on a grant suspended for a credit record: continue (releases resume) or claw back (orders a clawback), with a reason' })
  decideSuspension(@Param('grantId', UuidParam) id: string, @Body() body: SuspensionDecisionDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    const terms = body.decision === 'claw-back' && body.amountFen !== undefined && body.dueDate !== undefined;
    const clawback = terms ? { clawbackId: this.ids.next(), amountFen: body.amountFen!, dueDate: body.dueDate! } : null;
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'DecideSuspension', decision: body.decision, reason: body.reason, clawback });
  }

  @Post(':grantId/closure')
  @HttpCode(200)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Close the grant after acceptance (not in API.md\'s first draft)' })
  close(@Param('grantId', UuidParam) id: string, @Body() body: ClosureDto, @CurrentPrincipal() p: Principal, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.decide(id, c, r, { policy: 'city-bureau', principal: p }, { type: 'CloseGrant', tranchesNotDue: body.tranchesNotDue });
  }

  /**
   * A command that creates a sub-record (a clawback, a repayment): 201 with `Location` (the grant, whose
   * view lists the new record) and the new record's id in the body. An Idempotency-Key replay answers
   * the first id: it is read back from the grant rather than the one generated for the replay.
   */
  private async created(grantId: string, context: CommandContext, response: Response, authorisation: GrantAuthorisation, input: GrantCommandInput, key: 'clawbackId' | 'repaymentId', generated: string) {
    const result = await this.commands.execute(new GrantDecisionCommand(grantId, context, authorisation, input));
    response.setHeader('ETag', etagOf(result.revision));
    // The id the command recorded: on an Idempotency-Key replay, the first request's, not the one generated now.
    const recorded = result.events
      .map((e) => readEvent(GRANT_EVENTS, e))
      .map((e) => (key === 'clawbackId' && e.type === 'ClawbackOrdered' ? e.data.clawbackId : key === 'repaymentId' && e.type === 'RepaymentRecorded' ? e.data.repaymentId : undefined))
      .find((v): v is string => typeof v === 'string');
    const id = recorded ?? generated;
    // A repayment has no page of its own: its Location is the clawback, which lists its repaymentIds.
    response.setHeader('Location', `/v1/grants/${grantId}/clawbacks/${key === 'clawbackId' ? id : (input as { clawbackId: string }).clawbackId}`);
    return { [key]: id, ...result.view };
  }

  private async decide(grantId: string, context: CommandContext, response: Response, authorisation: GrantAuthorisation, input: GrantCommandInput) {
    const result = await this.commands.execute(new GrantDecisionCommand(grantId, context, authorisation, input));
    response.setHeader('ETag', etagOf(result.revision));
    return result.view;
  }
}
