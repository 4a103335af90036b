import { CreditFacts } from '@ipstd/funding-rules';
import { CommandPipeline, StreamSpec, domainEventOf, readStreamEvents } from '@ipstd/platform';
import { ENTERPRISE_EVENTS, EnterpriseEvent, EnterpriseState, RecordEnterpriseFact, enterpriseDecider, enterpriseStream } from '../../domain';

export const enterpriseSpec = (creditCode: string): StreamSpec<RecordEnterpriseFact, EnterpriseEvent, EnterpriseState> => ({
  streamId: enterpriseStream(creditCode),
  decider: enterpriseDecider,
  events: ENTERPRISE_EVENTS,
  // An enterprise is known by its national credit code; its facts serve every city's programmes.
  city: () => null,
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
  return readStreamEvents(spec.events, recorded)
    .filter((e) => e.globalPosition <= upToPosition)
    .reduce((s, e) => spec.decider.evolve(s, domainEventOf(e)), spec.decider.initialState()).facts;
}
