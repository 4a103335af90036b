import { CreditFacts } from '@ipstd/funding-rules';
import { CommandPipeline, StreamSpec } from '@ipstd/platform';
import { ENTERPRISE_EVENTS, EnterpriseEvent, EnterpriseState, RecordEnterpriseFact, enterpriseDecider, enterpriseStream } from '../../domain';

export const enterpriseSpec = (creditCode: string): StreamSpec<RecordEnterpriseFact, EnterpriseEvent, EnterpriseState> => ({
  streamId: enterpriseStream(creditCode),
  decider: enterpriseDecider,
  events: ENTERPRISE_EVENTS,
});

/** The facts other systems have pushed about an enterprise, as they stand now. */
export async function currentFacts(pipeline: CommandPipeline, creditCode: string): Promise<Partial<CreditFacts>> {
  return (await pipeline.load(enterpriseSpec(creditCode))).state.facts;
}
