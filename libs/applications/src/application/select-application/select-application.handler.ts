import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { WrongExpectedRevisionError } from '@ipstd/event-store';
import { CommandContext, CommandPipeline, Principal } from '@ipstd/platform';
import { DecideSelection, applicationDecider } from '../../domain';
import { requireCity } from '../access';
import { applicationSpec, loadApplication, loadOpenProgramme, programmeSpec } from '../streams';
import { ApplicationCommandResult, applicationResult } from '../views';
import { SelectionDto } from '../review/review.dto';

export class SelectApplicationCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly body: SelectionDto, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

const MAX_BUDGET_ATTEMPTS = 50;

/**
 * Selection within budget (立项). The approved amount is first committed on the programme stream,
 * whose revision check makes "Σ commitments ≤ budget" hold under any concurrency: a writer that loses
 * the race decides again on the new total and either commits or is refused with the remaining
 * budget. Only then is the selection recorded on the application; if that fails, the commitment is
 * released again.
 */
@CommandHandler(SelectApplicationCommand)
export class SelectApplicationHandler implements ICommandHandler<SelectApplicationCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  async execute({ applicationId, body, principal, context }: SelectApplicationCommand): Promise<ApplicationCommandResult> {
    const current = await loadApplication(this.pipeline, applicationId);
    const loaded = await loadOpenProgramme(this.pipeline, current.state.programmeId);
    requireCity(principal, loaded.state.terms.city);
    const programme = { programmeId: loaded.state.programmeId, terms: loaded.state.terms };
    const selection = (now: Date): DecideSelection => ({
      type: 'DecideSelection',
      programme,
      decision: body.decision,
      approvedAmountFen: body.approvedAmountFen ?? 0,
      reason: body.reason,
      eligibilityOverride: body.eligibilityOverride ?? null,
      batch: body.batch ?? null,
      now,
    });
    if (body.decision === 'select') {
      // Refuse what the application would refuse before any money is committed.
      applicationDecider.decide(selection(new Date(0)), current.state);
      await this.commit(programme.programmeId, applicationId, body.approvedAmountFen ?? 0, context);
    }
    try {
      return applicationResult(await this.pipeline.run(applicationSpec(applicationId), context, (_, now) => selection(now)), principal);
    } catch (error) {
      if (body.decision === 'select') {
        await this.pipeline.run(programmeSpec(programme.programmeId), { ...context, idempotencyKey: null, expectedRevision: null }, (_, now) => ({
          type: 'ReleaseFunds' as const,
          applicationId,
          reason: `selection not recorded: ${(error as Error).message}`.slice(0, 500),
          now,
        }));
      }
      throw error;
    }
  }

  private async commit(programmeId: string, applicationId: string, amountFen: number, context: CommandContext): Promise<void> {
    const commitContext = { ...context, idempotencyKey: null, expectedRevision: null };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pipeline.run(programmeSpec(programmeId), commitContext, (_, now) => ({ type: 'CommitFunds' as const, applicationId, amountFen, now }));
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_BUDGET_ATTEMPTS) throw error;
      }
    }
  }
}
