import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal } from '@ipstd/platform';
import { ApplicationProfile } from '../../domain';
import { requireOwnApplication } from '../access';
import { scopeOf } from '../application-write-path';
import { currentFacts } from '../enterprise-facts/enterprise-facts';
import { RuleCatalog } from '../rules/rule-catalog';
import { applicationSpec, loadApplication, loadOpenProgramme } from '../streams';
import { ApplicationCommandResult, applicationResult } from '../views';

export class AmendApplicationCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly profile: ApplicationProfile, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(AmendApplicationCommand)
export class AmendApplicationHandler implements ICommandHandler<AmendApplicationCommand> {
  constructor(private readonly pipeline: CommandPipeline, private readonly rules: RuleCatalog) {}

  async execute({ applicationId, profile, principal, context }: AmendApplicationCommand): Promise<ApplicationCommandResult> {
    const current = await loadApplication(this.pipeline, applicationId);
    requireOwnApplication(principal, scopeOf(current.state));
    const programme = await loadOpenProgramme(this.pipeline, current.state.programmeId);
    const basis = { ruleSet: await this.rules.get(programme.state.terms.ruleSet), facts: await currentFacts(this.pipeline, current.state.profile.enterprise.creditCode) };
    const result = await this.pipeline.run(applicationSpec(applicationId), context, (_, now) => ({
      type: 'AmendApplication' as const,
      programme: { programmeId: programme.state.programmeId, terms: programme.state.terms },
      profile,
      basis,
      now,
    }));
    return applicationResult(result, principal);
  }
}
