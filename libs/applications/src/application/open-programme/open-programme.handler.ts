import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@ipstd/kernel';
import { CLOCK, CommandContext, CommandPipeline, Principal, RuleCatalog } from '@ipstd/platform';
import { ProgrammeTerms, programmeIdFor } from '../../domain';
import { requireCity } from '../access';
import { programmeSpec } from '../stream-specs';
import { ProgrammeView, programmeView } from '../views';

export class OpenProgrammeCommand extends Command<{ view: ProgrammeView; revision: bigint; replayed: boolean }> {
  constructor(readonly terms: ProgrammeTerms, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(OpenProgrammeCommand)
export class OpenProgrammeHandler implements ICommandHandler<OpenProgrammeCommand> {
  constructor(private readonly pipeline: CommandPipeline, private readonly rules: RuleCatalog, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ terms, principal, context }: OpenProgrammeCommand) {
    requireCity(principal, terms.city);
    const programmeId = programmeIdFor(terms.code);
    const ruleSet = await this.rules.get(terms.ruleSet);
    const result = await this.pipeline.run(programmeSpec(programmeId), context, (_, now) => ({ type: 'OpenProgramme' as const, programmeId, terms, ruleSet, now }));
    if (result.state.status !== 'open') throw new Error('programme did not open');
    return { view: programmeView(result.state, result.revision, this.clock.now()), revision: result.revision, replayed: result.replayed };
  }
}
