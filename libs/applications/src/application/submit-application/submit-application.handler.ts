import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal, RuleCatalog } from '@ipstd/platform';
import { ApplicationProfile, applicationIdFor } from '../../domain';
import { requireEnterprise } from '../access';
import { currentFacts } from '../enterprise-facts/enterprise-facts';
import { applicationSpec, loadOpenProgramme } from '../stream-specs';
import { ApplicationCommandResult, applicationResult } from '../views';

export class SubmitApplicationCommand extends Command<ApplicationCommandResult> {
  constructor(readonly programmeId: string, readonly profile: ApplicationProfile, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(SubmitApplicationCommand)
export class SubmitApplicationHandler implements ICommandHandler<SubmitApplicationCommand> {
  constructor(private readonly pipeline: CommandPipeline, private readonly rules: RuleCatalog) {}

  async execute({ programmeId, profile, principal, context }: SubmitApplicationCommand): Promise<ApplicationCommandResult> {
    requireEnterprise(principal, profile.enterprise.creditCode);
    const programme = await loadOpenProgramme(this.pipeline, programmeId);
    const applicationId = applicationIdFor(programmeId, profile.enterprise.creditCode);
    const basis = { ruleSet: await this.rules.get(programme.state.terms.ruleSet), facts: await currentFacts(this.pipeline, profile.enterprise.creditCode) };
    const result = await this.pipeline.run(applicationSpec(applicationId), context, (_, now) => ({
      type: 'SubmitApplication' as const,
      applicationId,
      programme: { programmeId, terms: programme.state.terms },
      profile,
      basis,
      now,
    }));
    return applicationResult(result, principal);
  }
}
