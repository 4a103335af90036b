import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal } from '@ipstd/platform';
import { requireOwnApplication } from '../access';
import { existingApplication, scopeOf } from '../application-write-path';
import { applicationSpec } from '../stream-specs';
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
    // One read of the application stream: the pipeline authorises the caller on the state it loaded.
    const result = await this.pipeline.run(applicationSpec(applicationId), context, (_, now) => ({ type: 'WithdrawApplication' as const, reason, now }), {
      authorise: (state) => requireOwnApplication(principal, scopeOf(existingApplication(state))),
    });
    return applicationResult(result, principal);
  }
}
