import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal } from '@ipstd/platform';
import { requireOwnApplication } from '../access';
import { scopeOf } from '../application-write-path';
import { applicationSpec, loadApplication } from '../streams';
import { ApplicationCommandResult, applicationResult } from '../views';

export class WithdrawApplicationCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly reason: string | null, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(WithdrawApplicationCommand)
export class WithdrawApplicationHandler implements ICommandHandler<WithdrawApplicationCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  async execute({ applicationId, reason, principal, context }: WithdrawApplicationCommand): Promise<ApplicationCommandResult> {
    const current = await loadApplication(this.pipeline, applicationId);
    requireOwnApplication(principal, scopeOf(current.state));
    const result = await this.pipeline.run(applicationSpec(applicationId), context, (_, now) => ({ type: 'WithdrawApplication' as const, reason, now }));
    return applicationResult(result, principal);
  }
}
