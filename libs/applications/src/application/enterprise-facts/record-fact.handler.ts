import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CreditFacts } from '@ipstd/funding-rules';
import { CommandContext, CommandPipeline } from '@ipstd/platform';
import { enterpriseSpec } from './enterprise-facts';
import { RecordFactDto } from './record-fact.dto';

export interface RecordFactResult {
  readonly creditCode: string;
  readonly recorded: boolean;
  readonly facts: Partial<CreditFacts>;
  readonly revision: bigint;
  /** True when an earlier request with the same idempotency key already did this. */
  readonly replayed: boolean;
}

export class RecordEnterpriseFactCommand extends Command<RecordFactResult> {
  constructor(readonly creditCode: string, readonly body: RecordFactDto, readonly context: CommandContext) {
    super();
  }
}

/** Records the fact; the eligibility re-assessor picks it up from the log and re-assesses open applications. */
@CommandHandler(RecordEnterpriseFactCommand)
export class RecordEnterpriseFactHandler implements ICommandHandler<RecordEnterpriseFactCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  async execute({ creditCode, body, context }: RecordEnterpriseFactCommand): Promise<RecordFactResult> {
    const result = await this.pipeline.run(enterpriseSpec(creditCode), context, (_, now) => ({ type: 'RecordEnterpriseFact' as const, creditCode, ...body, now }));
    return { creditCode, recorded: result.events.length > 0, facts: result.state.facts, revision: result.revision, replayed: result.replayed };
  }
}
