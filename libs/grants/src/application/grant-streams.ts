import { CommandPipeline, StreamSpec, notFound } from '@ipstd/platform';
import { cityOf } from '@ipstd/applications';
import { ActiveGrant, GRANT_EVENTS, GrantCommand, GrantEvent, GrantState, grantDecider, grantStream } from '../domain';

/**
 * The city of a grant: its awarded enterprise's district's. Stamped into the metadata of every event
 * of the grant's stream (docs/events.md, "Metadata") and used by the grant's write policies, so the two
 * cannot disagree; readers of its events ask `cityOf(event)`.
 */
export const grantCity = (grant: Pick<ActiveGrant, 'enterprise'>): string => cityOf(grant.enterprise.district);

export const grantSpec = (grantId: string): StreamSpec<GrantCommand, GrantEvent, GrantState> => ({
  streamId: grantStream(grantId),
  decider: grantDecider,
  events: GRANT_EVENTS,
  // The city of the awarded enterprise's district.
  city: (state) => (state.status === 'none' ? null : grantCity(state)),
});

export async function loadGrant(pipeline: CommandPipeline, grantId: string) {
  const { state, revision } = await pipeline.load(grantSpec(grantId));
  if (state.status === 'none' || revision === null) throw notFound('GRANT_NOT_FOUND', '项目资助不存在', 'No such grant');
  return { state, revision };
}
