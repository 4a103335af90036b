import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, Principal } from '@ipstd/platform';
import { ApplicationCommandResult } from '../views';
import { ApplicationWritePath } from '../application-write-path';
import { cityAdminPolicy } from '../access';
import { PanelExpert } from '../../domain';

/** Assign (or replace) the review panel of an application. */
export class AssignReviewPanelCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly experts: readonly PanelExpert[], readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(AssignReviewPanelCommand)
export class AssignReviewPanelHandler implements ICommandHandler<AssignReviewPanelCommand> {
  constructor(private readonly writePath: ApplicationWritePath) {}

  execute({ applicationId, experts, principal, context }: AssignReviewPanelCommand): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, cityAdminPolicy, (programme, now) => ({ type: 'AssignReviewPanel', programme, experts, now }));
  }
}
