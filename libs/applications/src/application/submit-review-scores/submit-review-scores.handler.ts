import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, Principal } from '@ipstd/platform';
import { ApplicationCommandResult } from '../views';
import { ApplicationWritePath } from '../application-write-path';
import { expertAsThemself } from '../access';

/** An expert's per-criterion scores, revisable until the review closes. */
export class SubmitReviewScoresCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly expertId: string, readonly scores: ReadonlyArray<{ readonly criterionId: string; readonly score: number }>, readonly comment: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(SubmitReviewScoresCommand)
export class SubmitReviewScoresHandler implements ICommandHandler<SubmitReviewScoresCommand> {
  constructor(private readonly writePath: ApplicationWritePath) {}

  execute({ applicationId, expertId, scores, comment, principal, context }: SubmitReviewScoresCommand): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, expertAsThemself(expertId), (programme, now) => ({ type: 'SubmitReviewScores', programme, expertId, scores, comment, now }));
  }
}
