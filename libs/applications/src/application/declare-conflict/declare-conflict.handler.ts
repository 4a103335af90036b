import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, Principal } from '@ipstd/platform';
import { ApplicationCommandResult } from '../views';
import { ApplicationPolicy, ApplicationWritePath } from '../application-write-path';
import { panelMemberPolicy } from '../access';

/** An assigned expert declares a conflict of interest and stands down. */
export class DeclareConflictCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly reason: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

/** A member of this application's panel; others are told it does not exist (the decider refuses one who already stood down). */
export const panelExpertPolicy: ApplicationPolicy = panelMemberPolicy;

@CommandHandler(DeclareConflictCommand)
export class DeclareConflictHandler implements ICommandHandler<DeclareConflictCommand> {
  constructor(private readonly writePath: ApplicationWritePath) {}

  execute({ applicationId, reason, principal, context }: DeclareConflictCommand): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, panelExpertPolicy, (_, now) => ({ type: 'DeclareConflict', expertId: principal.sub, reason, now }));
  }
}
