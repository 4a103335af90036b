import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, Principal } from '@ipstd/platform';
import { ApplicationCommandResult } from '../views';
import { ApplicationPolicy, ApplicationWritePath } from '../application-write-path';

/** An assigned expert declares a conflict of interest and stands down. */
export class DeclareConflictCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly reason: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

/** Any expert token: the decider admits only a member of this application's panel (EXPERT_NOT_ON_PANEL). */
export const panelExpertPolicy: ApplicationPolicy = () => undefined;

@CommandHandler(DeclareConflictCommand)
export class DeclareConflictHandler implements ICommandHandler<DeclareConflictCommand> {
  constructor(private readonly writePath: ApplicationWritePath) {}

  execute({ applicationId, reason, principal, context }: DeclareConflictCommand): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, panelExpertPolicy, (_, now) => ({ type: 'DeclareConflict', expertId: principal.sub, reason, now }));
  }
}
