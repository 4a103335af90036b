import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal, RuleCatalog } from '@ipstd/platform';
import { ApplicationProfile } from '../../domain';
import { requireOwnApplication } from '../access';
import { existingApplication, scopeOf } from '../application-write-path';
import { enterpriseSpec, factsOf } from '../enterprise-facts/enterprise-facts';
import { applicationSpec, existingProgramme, programmeSpec } from '../stream-specs';
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
    // The application stream is read once, by the pipeline; the caller is authorised on it before the
    // programme and the enterprise's facts are read. No retry: a lost race answers 409 (or 412 with If-Match).
    const result = await this.pipeline.run(
      applicationSpec(applicationId),
      context,
      async (state, now) => {
        const current = existingApplication(state);
        // One read of two streams: the programme's terms and the enterprise's facts do not depend on each other.
        const [programmeRead, enterprise] = await this.pipeline.loadAll([programmeSpec(current.programmeId), enterpriseSpec(current.profile.enterprise.creditCode)]);
        const programme = existingProgramme(programmeRead);
        const facts = factsOf(enterprise);
        const basis = { ruleSet: await this.rules.get(programme.state.terms.ruleSet), facts };
        return { type: 'AmendApplication' as const, programme: { programmeId: programme.state.programmeId, terms: programme.state.terms }, profile, basis, now };
      },
      { authorise: (state) => requireOwnApplication(principal, scopeOf(existingApplication(state))) },
    );
    return applicationResult(result, principal);
  }
}
