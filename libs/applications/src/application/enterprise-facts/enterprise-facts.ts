import { RecordedEvent } from '@ipstd/event-store';
import { CreditFacts } from '@ipstd/funding-rules';
import { CommandPipeline, LoadedStream, StreamSpec, domainEventOf, readStreamEvents } from '@ipstd/platform';
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
  return factsOf(await pipeline.load(enterpriseSpec(creditCode)), upToPosition);
}

/** The facts of an enterprise stream already read (alone, or with others in one read), now or as of a log position. */
export function factsOf(loaded: Pick<LoadedStream<EnterpriseState>, 'state' | 'recorded'>, upToPosition?: bigint): Partial<CreditFacts> {
  return upToPosition === undefined ? loaded.state.facts : factsAt(loaded.recorded, upToPosition);
}

/** The facts an enterprise stream's recorded events held at a log position. */
export function factsAt(recorded: readonly RecordedEvent[], upToPosition: bigint): Partial<CreditFacts> {
  return readStreamEvents(ENTERPRISE_EVENTS, recorded)
    .filter((e) => e.globalPosition <= upToPosition)
    .reduce((s, e) => enterpriseDecider.evolve(s, domainEventOf(e)), enterpriseDecider.initialState()).facts;
}
