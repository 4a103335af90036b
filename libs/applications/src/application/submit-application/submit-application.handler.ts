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
    // Three reads at once, none depending on another: the programme's terms, the enterprise's facts and
    // the application stream (new, or holding an earlier submission with this Idempotency-Key). An
    // unknown programme still answers 404: the other two reads do not fail on streams that do not exist.
    const applicationId = applicationIdFor(programmeId, profile.enterprise.creditCode);
    const [programme, facts, loaded] = await Promise.all([
      loadOpenProgramme(this.pipeline, programmeId),
      currentFacts(this.pipeline, profile.enterprise.creditCode),
      this.pipeline.load(applicationSpec(applicationId)),
    ]);
    const basis = { ruleSet: await this.rules.get(programme.state.terms.ruleSet), facts };
    const result = await this.pipeline.run(applicationSpec(applicationId), context, (_, now) => ({
      type: 'SubmitApplication' as const,
      applicationId,
      programme: { programmeId, terms: programme.state.terms },
      profile,
      basis,
      now,
    }), { loaded });
    return applicationResult(result, principal);
  }
}
