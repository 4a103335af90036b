import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { RecordedEvent } from '@ipstd/event-store';
import { CommandContext, CommandPipeline, RETRY_ON_CONFLICT, notFound } from '@ipstd/platform';
import { GrantCommand, GrantState } from '../../domain';
import { readCreditStanding } from '../credit-view';
import { GrantAuthorisation, authoriseGrant } from '../access';
import { grantSpec } from '../grant-streams';
import { GrantView, grantView } from '../grant-view';

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

/**
 * A grant command as plain data: the pipeline adds the instant it is decided at, and the money gates
 * (release order, payment confirmation) the enterprise's latest credit facts.
 */
export type GrantCommandInput = DistributiveOmit<Exclude<GrantCommand, { type: 'AwardGrant' | 'MarkClawbackOverdue' | 'SuspendGrant' }>, 'now' | 'credit'>;

const GATED: ReadonlySet<GrantCommand['type']> = new Set(['OrderTrancheRelease', 'ConfirmTranchePayment']);

/**
 * One decision on a grant by the bureau, the finance bureau, the enterprise or a system acting for
 * them (treasury messages): plain data, with the named policy its caller must pass.
 */
export class GrantDecisionCommand extends Command<{ view: GrantView; revision: bigint; replayed: boolean; events: readonly RecordedEvent[] }> {
  constructor(
    readonly grantId: string,
    readonly context: CommandContext,
    readonly authorisation: GrantAuthorisation,
    readonly input: GrantCommandInput,
  ) {
    super();
  }
}

@CommandHandler(GrantDecisionCommand)
export class GrantDecisionHandler implements ICommandHandler<GrantDecisionCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  async execute({ grantId, context, authorisation, input }: GrantDecisionCommand) {
    const result = await this.pipeline.run(
      grantSpec(grantId),
      context,
      async (state, now) => {
        // Read on every attempt (a lost race decides again on fresh facts), after authorisation.
        if (GATED.has(input.type) && state.status !== 'none') return { ...input, credit: await readCreditStanding(this.pipeline, state.enterprise.creditCode, now), now } as GrantCommand;
        return { ...input, now } as GrantCommand;
      },
      {
      authorise: (state: GrantState) => {
        if (state.status === 'none') throw notFound('GRANT_NOT_FOUND', '项目资助不存在', 'No such grant');
        authoriseGrant(authorisation, state);
      },
      retry: RETRY_ON_CONFLICT,
      },
    );
    if (result.state.status === 'none') throw notFound('GRANT_NOT_FOUND', '项目资助不存在', 'No such grant');
    return { view: grantView(result.state, result.revision), revision: result.revision, replayed: result.replayed, events: result.events };
  }
}
