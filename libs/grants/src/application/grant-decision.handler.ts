import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline } from '@ipstd/platform';
import { GrantCommand, GrantState } from '../domain';
import { grantSpec, loadGrant } from './grant-streams';
import { GrantView, grantView } from './grant-view';

type Awarded = Exclude<GrantState, { status: 'none' }>;

/** One decision on a grant by the bureau, the finance bureau or the enterprise, after its scope check. */
export class GrantDecisionCommand extends Command<{ view: GrantView; revision: bigint; replayed: boolean }> {
  constructor(
    readonly grantId: string,
    readonly context: CommandContext,
    readonly authorise: (grant: Awarded) => void,
    readonly command: (now: Date) => GrantCommand,
  ) {
    super();
  }
}

@CommandHandler(GrantDecisionCommand)
export class GrantDecisionHandler implements ICommandHandler<GrantDecisionCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  async execute({ grantId, context, authorise, command }: GrantDecisionCommand) {
    const current = await loadGrant(this.pipeline, grantId);
    authorise(current.state);
    const result = await this.pipeline.run(grantSpec(grantId), context, (_, now) => command(now));
    if (result.state.status === 'none') throw new Error('grant vanished');
    return { view: grantView(result.state, result.revision), revision: result.revision, replayed: result.replayed };
  }
}
