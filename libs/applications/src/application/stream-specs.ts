import { CommandPipeline, LoadedStream, StreamSpec, notFound } from '@ipstd/platform';
import {
  APPLICATION_EVENTS, ApplicationCommand, ApplicationEvent, ApplicationState, PROGRAMME_EVENTS, ProgrammeCommand, ProgrammeEvent,
  ProgrammeState, applicationDecider, cityOf, applicationStream, programmeDecider, programmeStream,
} from '../domain';

export const programmeSpec = (programmeId: string): StreamSpec<ProgrammeCommand, ProgrammeEvent, ProgrammeState> => ({
  streamId: programmeStream(programmeId),
  decider: programmeDecider,
  events: PROGRAMME_EVENTS,
  // The city of its terms.
  city: (state) => (state.status === 'none' ? null : state.terms.city),
});

export const applicationSpec = (applicationId: string): StreamSpec<ApplicationCommand, ApplicationEvent, ApplicationState> => ({
  streamId: applicationStream(applicationId),
  decider: applicationDecider,
  events: APPLICATION_EVENTS,
  // The city of the enterprise's district (a submission outside the programme's city is refused).
  city: (state) => (state.status === 'none' ? null : cityOf(state.profile.enterprise.district)),
});

export async function loadOpenProgramme(pipeline: CommandPipeline, programmeId: string) {
  return existingProgramme(await pipeline.load(programmeSpec(programmeId)));
}

/** A programme stream as read (alone, or with others in one read): 404 when there is no such call. */
export function existingProgramme(loaded: LoadedStream<ProgrammeState>) {
  if (loaded.state.status === 'none' || loaded.revision === null) {
    throw notFound('PROGRAMME_NOT_FOUND', '申报通知不存在', 'No such programme call');
  }
  return { state: loaded.state, revision: loaded.revision };
}

export async function loadApplication(pipeline: CommandPipeline, applicationId: string) {
  const loaded = await pipeline.load(applicationSpec(applicationId));
  if (loaded.state.status === 'none' || loaded.revision === null) {
    throw notFound('APPLICATION_NOT_FOUND', '申报不存在', 'No such application');
  }
  return { state: loaded.state, revision: loaded.revision };
}
