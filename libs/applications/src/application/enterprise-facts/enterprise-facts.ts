import { CreditFacts } from '@ipstd/funding-rules';
import { decodeEvent } from '@ipstd/kernel';
import { CommandPipeline, StreamSpec } from '@ipstd/platform';
import { ENTERPRISE_EVENTS, EnterpriseEvent, EnterpriseState, RecordEnterpriseFact, enterpriseDecider, enterpriseStream } from '../../domain';

export const enterpriseSpec = (creditCode: string): StreamSpec<RecordEnterpriseFact, EnterpriseEvent, EnterpriseState> => ({
  streamId: enterpriseStream(creditCode),
  decider: enterpriseDecider,
  events: ENTERPRISE_EVENTS,
});

/**
 * The facts other systems have pushed about an enterprise: as they stand now, or as they stood at a
 * position of the log (so that a process manager replaying the log attributes each change to the
 * event that brought it).
 */
export async function currentFacts(pipeline: CommandPipeline, creditCode: string, upToPosition?: bigint): Promise<Partial<CreditFacts>> {
  const spec = enterpriseSpec(creditCode);
  const { state, recorded } = await pipeline.load(spec);
  if (upToPosition === undefined) return state.facts;
  return recorded
    .filter((e) => e.globalPosition <= upToPosition)
    .reduce((s, e) => spec.decider.evolve(s, decodeEvent(spec.events, e.type, e.schemaVersion, e.data)), spec.decider.initialState()).facts;
}
