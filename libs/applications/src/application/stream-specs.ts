import { CommandPipeline, StreamSpec, notFound } from '@ipstd/platform';
import {
  APPLICATION_EVENTS, ApplicationCommand, ApplicationEvent, ApplicationState, PROGRAMME_EVENTS, ProgrammeCommand, ProgrammeEvent,
  ProgrammeState, applicationDecider, applicationStream, programmeDecider, programmeStream,
} from '../domain';

export const programmeSpec = (programmeId: string): StreamSpec<ProgrammeCommand, ProgrammeEvent, ProgrammeState> => ({
  streamId: programmeStream(programmeId),
  decider: programmeDecider,
  events: PROGRAMME_EVENTS,
});

export const applicationSpec = (applicationId: string): StreamSpec<ApplicationCommand, ApplicationEvent, ApplicationState> => ({
  streamId: applicationStream(applicationId),
  decider: applicationDecider,
  events: APPLICATION_EVENTS,
});

export async function loadOpenProgramme(pipeline: CommandPipeline, programmeId: string) {
  const loaded = await pipeline.load(programmeSpec(programmeId));
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
