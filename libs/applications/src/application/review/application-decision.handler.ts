import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal } from '@ipstd/platform';
import { ApplicationCommand, ProgrammeContext } from '../../domain';
import { requireCity, scopeForbidden } from '../access';
import { applicationSpec, loadApplication, loadOpenProgramme } from '../streams';
import { ApplicationCommandResult, applicationResult } from '../views';

/** Where an application sits: what scope checks look at. */
export interface ApplicationScope {
  readonly district: string;
  readonly city: string;
}

/**
 * One decision on an application by a district office, the bureau or an expert: the scope check
 * the caller's token must pass, then one command through the pipeline.
 */
export class ApplicationDecisionCommand extends Command<ApplicationCommandResult> {
  constructor(
    readonly applicationId: string,
    readonly principal: Principal,
    readonly context: CommandContext,
    readonly authorise: (scope: ApplicationScope) => void,
    readonly command: (programme: ProgrammeContext, now: Date) => ApplicationCommand,
  ) {
    super();
  }
}

@CommandHandler(ApplicationDecisionCommand)
export class ApplicationDecisionHandler implements ICommandHandler<ApplicationDecisionCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  async execute({ applicationId, principal, context, authorise, command }: ApplicationDecisionCommand): Promise<ApplicationCommandResult> {
    const current = await loadApplication(this.pipeline, applicationId);
    const programme = await loadOpenProgramme(this.pipeline, current.state.programmeId);
    authorise({ district: current.state.profile.enterprise.district, city: programme.state.terms.city });
    const programmeContext = { programmeId: programme.state.programmeId, terms: programme.state.terms };
    return applicationResult(await this.pipeline.run(applicationSpec(applicationId), context, (_, now) => command(programmeContext, now)), principal);
  }
}

export const districtOfficeOf = (principal: Principal) => ({ district }: ApplicationScope) => {
  if (principal.district !== district) throw scopeForbidden('只能对本辖区的申报提出推荐意见', 'A district office may only endorse applications of its own district');
};

export const adminOf = (principal: Principal) => ({ city }: ApplicationScope) => requireCity(principal, city);

export const expertActingAs = (principal: Principal, expertId: string) => () => {
  if (principal.sub !== expertId) throw scopeForbidden('专家只能以本人身份评分', 'An expert may act only as themself');
};
