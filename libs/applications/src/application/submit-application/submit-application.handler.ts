import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal, RuleCatalog } from '@ipstd/platform';
import { ApplicationProfile, applicationIdFor } from '../../domain';
import { requireEnterprise } from '../access';
import { enterpriseSpec, factsOf } from '../enterprise-facts/enterprise-facts';
import { applicationSpec, existingProgramme, programmeSpec } from '../stream-specs';
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
    // One read of three streams, none depending on another: the programme's terms, the enterprise's
    // facts and the application stream (new, or holding an earlier submission with this
    // Idempotency-Key). An unknown programme still answers 404: a stream that does not exist reads empty.
    const applicationId = applicationIdFor(programmeId, profile.enterprise.creditCode);
    const [programmeRead, enterprise, loaded] = await this.pipeline.loadAll([
      programmeSpec(programmeId),
      enterpriseSpec(profile.enterprise.creditCode),
      applicationSpec(applicationId),
    ]);
    const programme = existingProgramme(programmeRead);
    const facts = factsOf(enterprise);
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
