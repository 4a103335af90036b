import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, Principal } from '@ipstd/platform';
import { ApplicationCommandResult } from '../views';
import { ApplicationWritePath } from '../application-write-path';
import { expertAsThemself } from '../access';

/** An expert's defense-round score (0–100). */
export class SubmitDefenseScoreCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly expertId: string, readonly score: number, readonly comment: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(SubmitDefenseScoreCommand)
export class SubmitDefenseScoreHandler implements ICommandHandler<SubmitDefenseScoreCommand> {
  constructor(private readonly writePath: ApplicationWritePath) {}

  execute({ applicationId, expertId, score, comment, principal, context }: SubmitDefenseScoreCommand): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, expertAsThemself(expertId), (_, now) => ({ type: 'SubmitDefenseScore', expertId, score, comment, now }));
  }
}
