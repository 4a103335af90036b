import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, Principal } from '@ipstd/platform';
import { ApplicationCommandResult } from '../views';
import { ApplicationWritePath } from '../application-write-path';
import { cityAdminPolicy } from '../access';

/** Close the review once every counted expert has scored. */
export class CloseReviewCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(CloseReviewCommand)
export class CloseReviewHandler implements ICommandHandler<CloseReviewCommand> {
  constructor(private readonly writePath: ApplicationWritePath) {}

  execute({ applicationId, principal, context }: CloseReviewCommand): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, cityAdminPolicy, (programme, now) => ({ type: 'CloseReview', programme, now }));
  }
}
