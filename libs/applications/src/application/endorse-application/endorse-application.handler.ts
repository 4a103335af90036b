import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, Principal } from '@ipstd/platform';
import { ApplicationCommandResult } from '../views';
import { ApplicationPolicy, ApplicationWritePath } from '../application-write-path';
import { refusal } from '../access';

/** Initial review and recommendation (初审/推荐意见) by the applicant's district office, until the endorsement deadline. */
export class EndorseApplicationCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly decision: 'endorse' | 'decline', readonly opinion: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

/** Only the district office of the applicant's district endorses. */
export const districtOfficePolicy: ApplicationPolicy = (principal, scope) => {
  if (principal.district === null || principal.district !== scope.district) throw refusal(principal, scope, '只能对本辖区的申报提出推荐意见', 'A district office may only endorse applications of its own district');
};

@CommandHandler(EndorseApplicationCommand)
export class EndorseApplicationHandler implements ICommandHandler<EndorseApplicationCommand> {
  constructor(private readonly writePath: ApplicationWritePath) {}

  execute({ applicationId, decision, opinion, principal, context }: EndorseApplicationCommand): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, districtOfficePolicy, (programme, now) => ({ type: 'EndorseApplication', programme, decision, district: principal.district!, opinion, now }));
  }
}
