import { CommandPipeline, StreamSpec, notFound } from '@ipstd/platform';
import { cityOf } from '@ipstd/applications';
import { GRANT_EVENTS, GrantCommand, GrantEvent, GrantState, grantDecider, grantStream } from '../domain';

export const grantSpec = (grantId: string): StreamSpec<GrantCommand, GrantEvent, GrantState> => ({
  streamId: grantStream(grantId),
  decider: grantDecider,
  events: GRANT_EVENTS,
  // The city of the awarded enterprise's district.
  city: (state) => (state.status === 'none' ? null : cityOf(state.enterprise.district)),
});

export async function loadGrant(pipeline: CommandPipeline, grantId: string) {
  const { state, revision } = await pipeline.load(grantSpec(grantId));
  if (state.status === 'none' || revision === null) throw notFound('GRANT_NOT_FOUND', '项目资助不存在', 'No such grant');
  return { state, revision };
}
